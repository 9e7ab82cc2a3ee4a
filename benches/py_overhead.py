"""Overhead of the Python package over the Rust core.

1. Power flow: ``Network.power_flow()`` from Python (set-up, solve, the
   three result tables as polars DataFrames) against the engine alone
   (``Network.time_power_flow``: set-up and solve timed inside Rust), on
   MATPOWER case9 and the largest case in grid-model/tests/data.
2. Environment step: one ``DisasterResponseEnv.step`` (numpy actions and
   observations, the hand-off to the replica's thread and back) and one raw
   ``EnvCore.step`` (lists) against one control step of the batch engine
   (a one-replica ``Scenario.run`` of policy ``none``, threads=1, divided
   by its steps: this includes the run's set-up, so the ratio is a lower
   bound).

Run from the repository root with the package installed (scripts/test.sh
builds it into .venv-test):

    .venv-test/bin/python benches/py_overhead.py [--out benches/results/FILE.txt]
"""

from __future__ import annotations

import argparse
import pathlib
import platform
import time
import tomllib

import numpy as np

import blackstart
from blackstart import _blackstart
from blackstart.gym import DisasterResponseEnv

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = ROOT / "grid-model" / "tests" / "data"


def best_of(fn, repeats: int, rounds: int = 5) -> float:
    """Best mean time per call (s) over `rounds` rounds of `repeats` calls."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - t0) / repeats)
    return best


def pf_rows():
    cases = sorted(DATA.glob("case*.m"), key=lambda p: p.stat().st_size)
    picked = [c for c in cases if c.stem == "case9"] + cases[-1:]
    rows = []
    for case in dict.fromkeys(picked):
        net = blackstart.Network.from_matpower(case)
        repeats = 200 if net.n_buses < 100 else 20
        core = min(net._raw.time_power_flow(repeats) for _ in range(5))
        py = best_of(lambda: net.power_flow(), repeats)
        rows.append((f"power flow {case.stem} ({net.n_buses} buses)", core, py))
    return rows


def env_rows():
    d = tomllib.loads((ROOT / "examples" / "scenarios" / "hokkaido-2018.toml").read_text())
    d["policy"]["kind"] = "none"
    sc = blackstart.Scenario.from_dict(d, base_dir=ROOT / "examples" / "scenarios")
    steps = sc.env_spec()["steps"]
    core = best_of(lambda: sc.run(replicas=1, seed=1, threads=1), 1, rounds=3) / steps
    env = DisasterResponseEnv(sc)
    n = len(env.microgrids)
    act = {"transfer_mw": np.zeros((n, n)), "dispatch": np.zeros(n, dtype=np.int8),
           "battery_mw": np.zeros(n), "diesel_mw": np.zeros(n), "shed": np.zeros((n, 3))}

    def episode_gym():
        env.reset(seed=1)
        t0 = time.perf_counter()
        k = 0
        while True:
            *_, trunc, _ = env.step(act)
            k += 1
            if trunc:
                return (time.perf_counter() - t0) / k

    raw = _blackstart.EnvCore(sc._raw)
    z = [0.0] * (n * n)
    mask = [False] * n

    def episode_raw():
        raw.reset(1)
        t0 = time.perf_counter()
        k = 0
        while True:
            out = raw.step(z, mask, [], [], [])
            k += 1
            if out[3] is None:
                return (time.perf_counter() - t0) / k

    gym_step = min(episode_gym() for _ in range(3))
    raw_step = min(episode_raw() for _ in range(3))
    env.close()
    return [
        (f"env step, raw EnvCore ({n} microgrids)", core, raw_step),
        (f"env step, gymnasium ({n} microgrids)", core, gym_step),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, help="also write the table here")
    args = ap.parse_args()
    rows = pf_rows() + env_rows()
    lines = [
        f"# blackstart {blackstart.__version__}, Python {platform.python_version()}, {platform.machine()}",
        f"{'what':48} {'rust core':>12} {'python':>12} {'ratio':>7}",
    ]
    for what, core, py in rows:
        lines.append(f"{what:48} {core * 1e6:10.1f}us {py * 1e6:10.1f}us {py / core:7.2f}")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
