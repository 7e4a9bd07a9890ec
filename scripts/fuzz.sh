#!/usr/bin/env bash
# Runs each libFuzzer target of BUILD (a -DATTUNE_SANITIZE=ON clang build) for
# SECONDS over a working copy of its seed corpus (fuzz/corpus/<target>), JOBS
# targets at a time. TARGETS (default: every fuzz/corpus/<target>) picks some.
# Findings land in BUILD/fuzz-findings/<target>/; the script fails if any.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
seconds=${2:-600}
jobs=${JOBS:-$(nproc)}
targets=${TARGETS:-$(cd fuzz/corpus && echo */ | tr -d /)}
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1

fuzz_one() {
  local target=$1
  local binary=$build/fuzz/fuzz_$target corpus=$build/fuzz-corpus/$target findings=$build/fuzz-findings/$target
  local log=$build/fuzz-$target.log
  mkdir -p "$corpus" "$findings"
  cp -n "fuzz/corpus/$target/"* "$corpus"/ 2>/dev/null || true
  "$binary" "$corpus" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
    -artifact_prefix="$findings/" -print_final_stats=1 2> "$log"
  local code=$?
  local stats
  stats=$(grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$log" | tr -s ' \n' ' ')
  echo "fuzz_$target: ${seconds}s, exit $code, $stats"
  if [ $code -ne 0 ] || ls "$findings"/crash-* "$findings"/leak-* "$findings"/timeout-* "$findings"/oom-* >/dev/null 2>&1; then
    echo "fuzz_$target: FINDINGS in $findings (log: $log)"
    return 1
  fi
}

status=0
running=0
for target in $targets; do
  fuzz_one "$target" &
  running=$((running + 1))
  if [ $running -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
done
while [ $running -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
