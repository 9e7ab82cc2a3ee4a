#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) of wall time, one after
# the other, and prints executions, coverage and CPU time per target.
# Usage (from the repository root): fuzz/run_all.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(matpower scenario profile hazard_inputs mqtt_payloads rdf_sparql)
fi
mkdir -p logs
for t in "${targets[@]}"; do
  log=logs/$t.log
  start=$(date +%s)
  # -timeout: an input taking over 10 s is a hang; -rss_limit_mb: a memory
  # blow-up; both are reported as crashes.
  /usr/bin/time -f "cpu_user_s=%U cpu_sys_s=%S" -o logs/$t.time \
    env RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" --sanitizer none -O --debug-assertions -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$log" 2>&1 || echo "$t: fuzzer exited with an error (see $log)"
  end=$(date +%s)
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  crashes=$(ls artifacts/"$t" 2>/dev/null | wc -l)
  echo "$t: wall $((end - start)) s, $(cat logs/$t.time), executions ${execs:-?}, coverage (edges) ${cov:-?}, features ${ft:-?}, artifacts $crashes"
done
