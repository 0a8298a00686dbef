#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, the `fuzz` preset: clang-14,
# ASan + UBSan), replays every committed seed corpus and regression input,
# then fuzzes each target for a fixed time. Exits 1 on any finding (crash,
# sanitizer report, violated invariant, timeout, out-of-memory) and prints
# the path of the input that triggered it. See docs/security.md, "Fuzzing".
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 20; 0 = replay only)
#   FUZZ_TARGETS="url robots" scripts/fuzz.sh 60   only some targets
#   FUZZ_JOBS=N   build parallelism (default 1)
#   FUZZ_KEEP=DIR keep each target's grown corpus in DIR/<target> (created
#                 from the committed corpus, reused by the next run) instead
#                 of a temporary copy: for long campaigns and -merge=1
# The committed corpora are never modified: each target fuzzes a copy, and
# findings are kept under build/fuzz/findings/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
case "$seconds" in '' | *[!0-9]*)
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2
  exit 2
  ;;
esac

# target:max_len. The lengths keep inputs near what each parser sees in one
# call (a feed or page prefix, a URL, a query) so that the fuzzer spends its
# time on structure, not on megabytes of filler; the seeds fit within them.
all_targets=(
  feed_parser:16384
  charset:16384
  article_extractor:16384
  url:2048
  robots:8192
  watchlist:16384
  query:2048
  normalizer:4096
  codec:4096
  api:2048
)

bash scripts/install-deps.sh
start=$(date +%s)
cmake --preset fuzz
cmake --build --preset fuzz --parallel "${FUZZ_JOBS:-1}"
echo "fuzz.sh: built in $(($(date +%s) - start)) s"

bin=build/fuzz/tests/fuzz
findings=build/fuzz/findings
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Sanitizers: stop at the first report, with a stack; leaks are findings too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Prints what failed (the violated invariant or sanitizer report and the
# project's stack frames; the whole log is kept next to the input) and the
# input: the saved artifact and, when replaying, the committed file with the
# same contents.
report() { # report LOG DIR...
  local log="$1" unit sha
  shift
  cp "$log" "$findings/$name/last.log"
  grep -E 'fuzz invariant violated|ERROR: |SUMMARY: |^ +#[0-9]+ .* in (mw::|\(anonymous namespace\)::|LLVMFuzzerTestOneInput)' \
    "$log" | head -n 30 >&2 || true
  echo "fuzz.sh: full log: $findings/$name/last.log" >&2
  unit="$(grep -o 'Test unit written to .*' "$log" | tail -n 1 | sed 's/^Test unit written to //')"
  [ -n "$unit" ] || return 0
  echo "fuzz.sh: failing input saved as $unit" >&2
  sha="$(sha1sum "$unit" | cut -d' ' -f1)"
  for dir in "$@"; do
    sha1sum "$dir"/* 2>/dev/null | awk -v s="$sha" '$1 == s { print "fuzz.sh: it is " $2 }' >&2
  done
}

selected="${FUZZ_TARGETS:-}"
failed=()
summary=()
for entry in "${all_targets[@]}"; do
  name="${entry%%:*}"
  max_len="${entry##*:}"
  if [ -n "$selected" ] && [[ " $selected " != *" $name "* ]]; then continue; fi
  exe="$bin/${name}_fuzzer"
  corpus="tests/fuzz/corpus/$name"
  regressions="tests/fuzz/regressions/$name"
  mkdir -p "$findings/$name"
  log="$work/$name.log"
  common=(-max_len="$max_len" -timeout=10 -rss_limit_mb=2048
    -artifact_prefix="$findings/$name/" -print_final_stats=1)

  # 1. Replay: every committed input must pass as it is.
  replay=("$corpus")
  if [ -d "$regressions" ]; then replay+=("$regressions"); fi
  if ! "$exe" "${common[@]}" -runs=0 "${replay[@]}" >"$log" 2>&1; then
    echo "fuzz.sh: $name: FAILED replaying ${replay[*]}" >&2
    report "$log" "${replay[@]}"
    failed+=("$name")
    continue
  fi

  if [ "$seconds" -eq 0 ]; then
    summary+=("$name: replayed $(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#') inputs")
    continue
  fi

  # 2. Fuzz a copy of the corpus for the given time (libFuzzer reads 0 as
  # "forever", hence the replay-only case above).
  if [ -n "${FUZZ_KEEP:-}" ]; then
    grown="$FUZZ_KEEP/$name"
    mkdir -p "$FUZZ_KEEP"
    [ -d "$grown" ] || cp -r "$corpus" "$grown"
  else
    grown="$work/$name-corpus"
    cp -r "$corpus" "$grown"
  fi
  if ! "$exe" "${common[@]}" -max_total_time="$seconds" "$grown" >"$log" 2>&1; then
    echo "fuzz.sh: $name: FINDING after fuzzing" >&2
    report "$log"
    failed+=("$name")
    continue
  fi
  stats="$(grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' "$log" |
    tr -s ' \t' ' ' | tr '\n' ' ')"
  summary+=("$name: $stats")
done

echo "fuzz.sh: ${seconds} s per target, total $(($(date +%s) - start)) s"
for line in "${summary[@]}"; do echo "  $line"; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: findings in: ${failed[*]} (inputs under $findings/)" >&2
  exit 1
fi
echo "fuzz.sh: no findings"
