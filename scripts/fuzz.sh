#!/usr/bin/env bash
# Runs each libFuzzer target of BUILD (a -DATTUNE_SANITIZE=ON clang build) for
# SECONDS over a working copy of its seed corpus (fuzz/corpus/<target>).
# Findings land in BUILD/fuzz-findings/<target>/; the script fails if any.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
seconds=${2:-600}
status=0
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1
for seeds in fuzz/corpus/*/; do
  target=$(basename "$seeds")
  binary=$build/fuzz/fuzz_$target
  corpus=$build/fuzz-corpus/$target findings=$build/fuzz-findings/$target
  mkdir -p "$corpus" "$findings"
  cp -n "$seeds"* "$corpus"/ 2>/dev/null || true
  echo "== fuzz_$target for ${seconds}s"
  "$binary" "$corpus" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
    -artifact_prefix="$findings/" -print_final_stats=1 2> "$build/fuzz-$target.log"
  code=$?
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/fuzz-$target.log" | tr '\n' ' '; echo
  if [ $code -ne 0 ] || ls "$findings"/crash-* "$findings"/leak-* "$findings"/timeout-* "$findings"/oom-* >/dev/null 2>&1; then
    echo "fuzz_$target: findings in $findings (log: $build/fuzz-$target.log)"; status=1
  fi
done
exit $status
