#!/usr/bin/env python3
"""PHOLD on sim-core (Rust) next to the same model in SimPy, in one run.

Usage (from anywhere in the repository):

    pip install simpy
    python3 benches/phold_simpy.py                      # 1,000 LPs, defaults
    python3 benches/phold_simpy.py --lps 1000 --events 20000000 --simpy-events 1000000
    python3 benches/phold_simpy.py --no-build --rust-bin target/release/examples/phold

The model (identical in both): `lps` logical processes start with
`population` events each; handling an event at an LP schedules one new event
at an LP chosen uniformly at random (itself included) after
`lookahead_ms + floor(Exp(mean_ms))` milliseconds of integer simulation time.
Each LP draws from its own random stream. Both sides stop after a fixed
number of handled events; the timed part excludes building the model.

The SimPy side uses the fastest idiomatic form (timeouts with callbacks,
no process generators), which favours SimPy; `--simpy-style process` runs
the classic one-process-per-message form instead.

Prints one line per tool, the ratio, and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def simpy_phold(lps: int, events: int, seed: int, population: int,
                lookahead_ms: int, mean_ms: float, style: str) -> dict:
    import simpy

    env = simpy.Environment()
    rngs = [random.Random(f"{seed}/lp/{i}/phold") for i in range(lps)]
    counts = [0] * lps
    rate = 1.0 / mean_ms
    stop = env.event()
    state = {"handled": 0}

    if style == "callback":
        def handle(ev):
            lp = ev._value
            counts[lp] += 1
            state["handled"] += 1
            if state["handled"] >= events:
                if not stop.triggered:
                    stop.succeed()
                return
            r = rngs[lp]
            dest = r.randrange(lps)
            t = env.timeout(lookahead_ms + int(r.expovariate(rate)), dest)
            t.callbacks.append(handle)

        for i in range(lps):
            for _ in range(population):
                t = env.timeout(lookahead_ms + int(rngs[i].expovariate(rate)), i)
                t.callbacks.append(handle)
    else:
        def message(lp):
            # one process per message: the same draws in the same order
            yield env.timeout(lookahead_ms + int(rngs[lp].expovariate(rate)))
            while True:
                counts[lp] += 1
                state["handled"] += 1
                if state["handled"] >= events:
                    if not stop.triggered:
                        stop.succeed()
                    return
                r = rngs[lp]
                dest = r.randrange(lps)
                yield env.timeout(lookahead_ms + int(r.expovariate(rate)))
                lp = dest

        for i in range(lps):
            for _ in range(population):
                env.process(message(i))

    t0 = time.perf_counter()
    env.run(until=stop)
    seconds = time.perf_counter() - t0
    handled = state["handled"]
    return {
        "tool": f"simpy-{simpy.__version__}-{style}",
        "events": handled,
        "seconds": seconds,
        "events_per_s": handled / seconds if seconds > 0 else 0.0,
        "final_time_ms": env.now,
    }


def rust_phold(binary: Path, args: argparse.Namespace, events: int,
               replicas: int = 1, threads: int = 1) -> dict:
    cmd = [str(binary), "--lps", str(args.lps), "--events", str(events),
           "--seed", str(args.seed), "--population", str(args.population),
           "--lookahead-ms", str(args.lookahead_ms), "--mean-ms", str(args.mean_ms),
           "--replicas", str(replicas), "--threads", str(threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lps", type=int, default=1000)
    p.add_argument("--events", type=int, default=20_000_000, help="events for sim-core")
    p.add_argument("--simpy-events", type=int, default=1_000_000, help="events for SimPy")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--population", type=int, default=1)
    p.add_argument("--lookahead-ms", type=int, default=100)
    p.add_argument("--mean-ms", type=float, default=1000.0)
    p.add_argument("--repeat", type=int, default=3, help="runs per tool; the best rate counts")
    p.add_argument("--simpy-style", choices=["callback", "process"], default="callback")
    p.add_argument("--threads", type=int, default=2,
                   help="also run --replicas T --threads T vs --threads 1 (0: skip)")
    p.add_argument("--no-build", action="store_true", help="do not run cargo build")
    p.add_argument("--rust-bin", type=Path, default=None,
                   help="PHOLD binary (default: <target>/release/examples/phold)")
    args = p.parse_args()

    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = args.rust_bin or target / "release" / "examples" / "phold"
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--example", "phold"], cwd=ROOT, check=True)
    if not binary.exists():
        print(f"missing {binary}; build it or pass --rust-bin", file=sys.stderr)
        return 2

    rust = max((rust_phold(binary, args, args.events) for _ in range(args.repeat)),
               key=lambda r: r["events_per_s"])
    simpy_res = max((simpy_phold(args.lps, args.simpy_events, args.seed, args.population,
                                 args.lookahead_ms, args.mean_ms, args.simpy_style)
                     for _ in range(args.repeat)), key=lambda r: r["events_per_s"])
    ratio = rust["events_per_s"] / simpy_res["events_per_s"]
    print(f"sim-core  : {rust['events']:>12,} events in {rust['seconds']:8.3f} s = "
          f"{rust['events_per_s']:>14,.0f} events/s  (1 thread, {args.lps} LPs)")
    print(f"SimPy     : {simpy_res['events']:>12,} events in {simpy_res['seconds']:8.3f} s = "
          f"{simpy_res['events_per_s']:>14,.0f} events/s  ({simpy_res['tool']})")
    print(f"ratio     : {ratio:,.1f}x")
    summary = {"lps": args.lps, "rust": rust, "simpy": simpy_res, "ratio": ratio}

    if args.threads and args.threads > 1:
        t = args.threads
        per = max(args.events // t, 1)
        one = max((rust_phold(binary, args, per, replicas=t, threads=1) for _ in range(args.repeat)),
                  key=lambda r: r["events_per_s"])
        many = max((rust_phold(binary, args, per, replicas=t, threads=t) for _ in range(args.repeat)),
                   key=lambda r: r["events_per_s"])
        speedup = many["events_per_s"] / one["events_per_s"]
        same = one["checksum"] == many["checksum"]
        print(f"replicas  : {t} replicas x {per:,} events: 1 thread {one['events_per_s']:,.0f}/s, "
              f"{t} threads {many['events_per_s']:,.0f}/s, speed-up {speedup:.2f}x, "
              f"checksums {'identical' if same else 'DIFFER'}")
        summary["replicas"] = {"replicas": t, "one_thread": one, "threads": many,
                               "speedup": speedup, "checksums_identical": same}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
