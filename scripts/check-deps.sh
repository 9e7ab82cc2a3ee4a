#!/usr/bin/env bash
# The shape of the workspace (ARCHITECTURE.md): only the CLI crate depends on
# clap, indicatif and signal-hook, and a fuzz build does not compile Burn.
#
# Checked on each library crate's direct dependencies: two third-party
# crates bring two of these names in further down, unconditionally, and are
# reported, not refused: polars-error depends on signal-hook (polars 0.55),
# rumqttd (hw-bridge's embedded broker) on clap (rumqttd 0.20).
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
for crate in sim-core grid-model disaster-scenarios agents ontology hw-bridge \
  scenario engine reports twin gnn blackstart blackstart-py; do
  found=$(cargo tree --locked -e normal --depth 1 -p "$crate" --prefix none \
    | awk '{print $1}' | grep -E '^(clap|indicatif|signal-hook)$' | sort -u || true)
  if [ -n "$found" ]; then
    echo "error: library crate $crate depends on front-end crate(s): $found" >&2
    status=1
  fi
done
burn=$(cargo tree --locked --manifest-path fuzz/Cargo.toml -e normal --prefix none \
  | awk '{print $1}' | grep -E '^burn' | sort -u || true)
if [ -n "$burn" ]; then
  echo "error: the fuzz build compiles Burn: $burn" >&2
  status=1
fi
[ "$status" = 0 ] && echo "dependency shape: ok (front-end crates only in blackstart-cli; no Burn in fuzz)"
exit "$status"
