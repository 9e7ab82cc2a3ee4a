#!/usr/bin/env bash
# Runs fuzz targets until each has used CPU_SECONDS of CPU time (user +
# system, read from /proc), JOBS targets at a time, so a campaign's length
# is the same on a quiet machine and on one that is building at the same
# time. Each target starts from its committed seed corpus, copied to
# fuzz/work/TARGET (the grown corpus stays there, uncommitted), and prints
# executions, coverage and CPU time when its budget is spent.
# Usage (from anywhere): fuzz/campaign.sh CPU_SECONDS JOBS [TARGET...]
# Build first: RUSTC_BOOTSTRAP=1 cargo fuzz build --sanitizer none -O --debug-assertions
set -euo pipefail
cd "$(dirname "$0")"
budget=${1:?CPU seconds per target}
jobs=${2:-2}
shift 2 || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(matpower scenario profile hazard_inputs mqtt_payloads rdf_sparql)
fi
bin=target/x86_64-unknown-linux-gnu/release
tck=$(getconf CLK_TCK)
mkdir -p logs work

one() {
  local t=$1 log=logs/$t.campaign.log
  [ -x "$bin/$t" ] || { echo "$t: not built ($bin/$t)"; return 1; }
  rm -rf "work/$t" && mkdir -p "work/$t" "artifacts/$t"
  cp corpus/"$t"/* "work/$t/"
  local start
  start=$(date +%s)
  # -timeout: an input taking over 10 s is a hang; -rss_limit_mb: a memory
  # blow-up; both count as crashes. max_total_time is only a backstop.
  "$bin/$t" "work/$t" -artifact_prefix="artifacts/$t/" -timeout=10 -rss_limit_mb=2048 \
    -max_total_time=$((budget * 6)) -print_final_stats=1 >"$log" 2>&1 &
  local pid=$! cpu=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 2
    # Fields 14 and 15 of /proc/PID/stat: user and system time in ticks.
    local stat
    stat=$(cat /proc/"$pid"/stat 2>/dev/null) || break
    cpu=$(echo "$stat" | awk -v tck="$tck" '{sub(/^.*\) /, ""); print int(($12 + $13) / tck)}')
    if [ "$cpu" -ge "$budget" ]; then
      kill -INT "$pid" 2>/dev/null || true
      break
    fi
  done
  wait "$pid" && rc=0 || rc=$?
  local end execs cov ft crashes
  end=$(date +%s)
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1 | awk '{print $4}')
  crashes=$(find "artifacts/$t" -type f | wc -l)
  echo "$t: cpu ${cpu} s, wall $((end - start)) s, exit $rc, executions ${execs:-?}, coverage (edges) ${cov:-?}, features ${ft:-?}, corpus $(ls "work/$t" | wc -l), artifacts $crashes"
}

running=0
for t in "${targets[@]}"; do
  one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
