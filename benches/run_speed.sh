#!/usr/bin/env bash
# Speed of `blackstart run`: replica-days simulated per second for the
# Kumamoto preset on 1 and 2 threads (and their ratio), and the wall time of
# 1,000 replicas of the 7-day preset with a 5-minute control interval on 2
# threads. Each number is the best of 3 runs; run it on a quiet machine.
#
#   cargo build --release && benches/run_speed.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/blackstart
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
best() { # replicas threads scenario -> best replica-days/s of 3 runs
  local b=0
  for _ in 1 2 3; do
    r=$("$bin" run "$3" --replicas "$1" --threads "$2" --out "$tmp/o" --quiet --system-only \
        | sed -n 's/^ *\([0-9.]*\) replica-days\/s.*/\1/p')
    b=$(python3 -c "print(max($b, $r))")
  done
  echo "$b"
}
one=$(best 400 1 examples/scenarios/kumamoto-2016.toml)
two=$(best 400 2 examples/scenarios/kumamoto-2016.toml)
echo "kumamoto-2016, 400 replicas x 7 d, 15 min: 1 thread ${one} replica-days/s, 2 threads ${two} replica-days/s, ratio $(python3 -c "print(round($two/$one, 2))")"
sed 's/^control_interval = "15min"/control_interval = "5min"/' examples/scenarios/kumamoto-2016.toml > "$tmp/k5.toml"
start=$(date +%s.%N)
"$bin" run "$tmp/k5.toml" --replicas 1000 --threads 2 --out "$tmp/o5" --quiet --system-only > /dev/null
end=$(date +%s.%N)
echo "kumamoto-2016, 1000 replicas x 7 d, 5 min, 2 threads: $(python3 -c "print(round($end-$start, 2))") s wall, outputs included"
