#!/usr/bin/env python3
"""Side-by-side power-flow timings: blackstart vs lightsim2grid and pandapower.

Runs, in one process run on the same machine:
  * `blackstart pf CASE --repeat N --json` (warm solve: the prepared in-memory
    network to the solution, Newton-Raphson from the case start, tol 1e-8),
  * `time_peers.py` from ../shared/data/pf (lightsim2grid NR_KLU warm solve,
    pandapower with numba; solve only, same cases, same tolerance),
and prints a table with the medians, our min/max (machine noise), and the
ratios ours / lightsim2grid and pandapower / ours.

    python -m venv .venv-peers && .venv-peers/bin/pip install \
        pandapower==3.5.6 lightsim2grid==1.2.0 pypower==5.1.21 numba matpowercaseframes
    cargo build --release
    .venv-peers/bin/python benches/pf_peers.py [--reps 30] [case ...]

The peer script and the large cases live in ../shared/data/pf (not part of
this repository); the script says so and stops if they are missing.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "pf"))
CASES = ["case9", "case14", "case30", "case57", "case118", "case300", "case1354pegase",
         "case2869pegase", "case9241pegase", "case_ACTIVSg2000", "case_ACTIVSg10k"]


def ours(binary, path, reps):
    out = subprocess.run([binary, "pf", path, "--repeat", str(reps), "--json"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"blackstart pf failed on {path}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*", default=CASES)
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "blackstart"))
    ap.add_argument("--no-peers", action="store_true", help="only time blackstart")
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(SHARED, "cases")):
        sys.exit(f"{SHARED} not found: the peer script and cases live there")
    if not os.path.exists(a.binary):
        sys.exit(f"{a.binary} not found: run `cargo build --release` first")
    peers = {}
    if not a.no_peers:
        with tempfile.TemporaryDirectory() as td:
            out_csv = os.path.join(td, "peers.csv")
            subprocess.run([sys.executable, os.path.join(SHARED, "time_peers.py"), "--reps", str(a.reps),
                            "--no-pypower", "--csv", out_csv, *a.cases], check=True)
            with open(out_csv) as f:
                peers = {r["case"]: r for r in csv.DictReader(f)}
    print()
    hdr = f"{'case':<18}{'buses':>7}{'ours ms':>10}{'(min':>9}{'max)':>9}{'it':>4}{'ls_warm':>10}{'ours/ls':>9}{'pp_numba':>10}{'pp/ours':>9}"
    print(hdr)
    for c in a.cases:
        r = ours(a.binary, os.path.join(SHARED, "cases", c + ".m"), a.reps)
        p = peers.get(c)
        ls = float(p["ls_warm"]) if p else float("nan")
        pp = float(p["pp_numba"]) if p else float("nan")
        med = r["solve_ms_median"]
        print(f"{c:<18}{r['buses']:>7}{med:>10.4f}{r['solve_ms_min']:>9.4f}{r['solve_ms_max']:>9.4f}"
              f"{r['iterations']:>4}{ls:>10.4f}{med / ls:>9.3f}{pp:>10.3f}{pp / med:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
