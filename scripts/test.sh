#!/usr/bin/env bash
# Every test of blackstart: the Rust workspace (cargo test, release profile,
# one build shared with the binaries and the wheel), then the Python package
# (one maturin wheel built from the same target directory, installed into a
# project-local virtual environment, tested with pytest).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --release --locked
scripts/check-deps.sh

venv=.venv-test
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check "maturin==1.16.0" "polars==2.1.0" "pytest==9.2.0" \
  "numpy==2.4.6" "gymnasium==1.4.0" "pettingzoo==1.27.0" "dask==2026.8.0" "distributed==2026.8.0" \
  "nbclient==0.11.0" "nbformat==5.11.1" "ipykernel==7.4.0" "matplotlib==3.11.2"
rm -rf target/wheels
"$venv/bin/maturin" build --release --locked -m py-bindings/Cargo.toml -o target/wheels
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/blackstart-*.whl
"$venv/bin/python" -m pytest -q py-bindings/tests
