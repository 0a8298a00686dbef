#!/usr/bin/env bash
# Builds the tests of mediawatch's concurrent parts under ThreadSanitizer (the
# `tsan` preset: g++, -fsanitize=thread, -O1 -g, build/tsan) and runs them:
#   crawler_test  whole: the fetcher (curl multi, per-host limits and delays,
#                 hostile servers on loopback threads), schedule, robots and
#                 the pipeline with its store worker thread;
#   storage_test  the tests that write one store from several threads;
#   text_test     the tests that fold and transliterate from several threads;
#   server_test   whole: `serve`'s bounded worker pool over loopback, and a
#                 follower store refreshed while requests read it.
# Exits 1 on any failure or ThreadSanitizer report. Suppressions (only for
# uninstrumented Debian libraries, each explained): tests/tsan.supp.
# Usage: scripts/tsan.sh
#   TSAN_JOBS=N   build parallelism and test processes (default 1)
# See docs/security.md, "Sanitizers".
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${TSAN_JOBS:-1}"
case "$jobs" in '' | *[!0-9]* | 0)
  echo "tsan.sh: TSAN_JOBS must be a positive number" >&2
  exit 2
  ;;
esac

bash scripts/install-deps.sh
start=$(date +%s)
cmake --preset tsan >/dev/null
cmake --build --preset tsan --parallel "$jobs"
built=$(($(date +%s) - start))
echo "tsan.sh: built in $built s"

# halt_on_error: the first report fails the run (exit code 66), with both
# stacks. second_deadlock_stack: lock-order reports show where each lock
# was taken.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$PWD/tests/tsan.supp"
bin=build/tsan/tests

# Tests whose assertions are timings, not races: TSan slows every thread
# 5-15x, so the first request's connection set-up alone exceeds the 15 ms
# slack of the politeness-delay tests (arrival gaps measured at the server),
# and building a 100 MiB bomb in the loopback handler can stall the
# transfer past the 2 s low-speed limit. They run in every other preset.
timing_only="FetcherTest.MinHostDelaySpacesRequestStartsToOneHost"
timing_only+=":FetcherTest.SetHostDelayOverridesTheDefault"
timing_only+=":FetcherTest.SetHostDelayFromACallbackDelaysTheNextStart"
timing_only+=":HostileServerTest.GzipBombStopsAtTheDecodedCap"

# One test process per job: crawler_test is split into gtest shards.
pids=()
logs=()
run() { # run LOG CMD...
  local log="$1"
  shift
  "$@" >"$log" 2>&1 &
  pids+=($!)
  logs+=("$log")
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for ((shard = 0; shard < jobs; ++shard)); do
  run "$work/crawler-$shard.log" env GTEST_TOTAL_SHARDS="$jobs" GTEST_SHARD_INDEX="$shard" \
    "$bin/crawler_test" --gtest_brief=1 --gtest_filter="-$timing_only"
done
wait_all() {
  local failed=0 i
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      echo "tsan.sh: FAILED: ${logs[$i]##*/}" >&2
      grep -E -A 40 'WARNING: ThreadSanitizer|^\[  FAILED  \]|Failure$' "${logs[$i]}" | head -n 120 >&2 || true
      failed=1
    fi
    tail -n 3 "${logs[$i]}" | sed "s|^|  ${logs[$i]##*/}: |"
  done
  pids=()
  logs=()
  return "$failed"
}
status=0
wait_all || status=1
run "$work/storage.log" "$bin/storage_test" --gtest_brief=1 --gtest_filter='*Concurrent*'
run "$work/text.log" "$bin/text_test" --gtest_brief=1 --gtest_filter='*Concurrent*'
run "$work/server.log" "$bin/server_test" --gtest_brief=1
wait_all || status=1

echo "tsan.sh: built in $built s, total $(($(date +%s) - start)) s"
if [ "$status" -ne 0 ]; then
  echo "tsan.sh: FAILED" >&2
  exit 1
fi
echo "tsan.sh: no ThreadSanitizer reports, all tests passed"
