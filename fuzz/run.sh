#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets with clang (build-fuzz/) and runs
# each for a bounded time, starting from the committed corpus in
# fuzz/corpus/<target>/ (never written to: new inputs go to
# build-fuzz/corpus/<target>/). Fails when a target finds a crash, a
# sanitizer report, a leak, a timeout or an out-of-memory, and prints where
# the input that caused it was saved and how to replay it.
#
#   FUZZ_SECONDS=60       seconds per target (default 60)
#   FUZZ_TARGETS="a b"    targets to run (default: all five)
#   FUZZ_BUILD_DIR=dir    build folder (default build-fuzz)
#   FUZZ_JOBS=N           build parallelism (default nproc)
#   NEWSMETA_FUZZ_IGNORE=growth,wire  checks seed_parser_fuzzer leaves out
#                         (see fuzz/seed_parser_fuzzer.cc)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
targets=${FUZZ_TARGETS:-seed_parser_fuzzer filter_fuzzer text_query_fuzzer page_token_fuzzer block_yaml_fuzzer snapshot_fuzzer}
jobs=${FUZZ_JOBS:-$(nproc)}

# clang and its runtimes (libFuzzer, ASan, UBSan) come from Debian; the
# rest of the build needs what tools/setup.sh installs (make fuzz runs it).
missing=()
for package in clang libclang-rt-14-dev; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "fuzz: installing ${missing[*]}" >&2
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S fuzz -B "$build" "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++
fi
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $targets

# Per target: the dictionary and the largest input to try.
options_for() {
  case $1 in
    seed_parser_fuzzer) echo "-dict=fuzz/dict/seed.dict -max_len=65536" ;;
    filter_fuzzer) echo "-dict=fuzz/dict/filter.dict -max_len=8192" ;;
    text_query_fuzzer) echo "-dict=fuzz/dict/text.dict -max_len=2048" ;;
    block_yaml_fuzzer) echo "-dict=fuzz/dict/seed.dict -max_len=16384" ;;
    page_token_fuzzer) echo "-max_len=256" ;;
    snapshot_fuzzer) echo "-max_len=240" ;;
  esac
}
# The committed inputs to start from: fuzz/corpus/<target>/, and for the
# seed parser also the hostile corpus of the tests and the shipped seeds.
corpus_for() {
  echo "fuzz/corpus/${1%_fuzzer}"
  [[ $1 != seed_parser_fuzzer ]] || echo "tests/data/bad_seeds seeds"
}

failed=()
summary=()
for target in $targets; do
  work="$build/corpus/$target"
  artifacts="$build/artifacts/$target"
  log="$build/logs/$target.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  echo "fuzz: $target for ${seconds}s (log: $log)"
  status=0
  # shellcheck disable=SC2046  # word splitting wanted
  "$build/$target" $(options_for "$target") -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$work" $(corpus_for "$target") >"$log" 2>&1 || status=$?
  # (No match is no error: a target can fail before printing any of these.)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE '(INITED|DONE|REDUCE|NEW|pulse) +cov: [0-9]+ ft: [0-9]+' "$log" \
        | tail -1 | sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+)/\1 edges, \2 features/' \
        || true)
  corpus=$(find "$work" -type f | wc -l)
  if [[ $status -ne 0 ]]; then
    crasher=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1 || true)
    echo "fuzz: $target FAILED (exit $status) after ${runs:-?} runs" >&2
    grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY|_fuzzer: ' \
      "$log" | head -5 >&2 || true
    if [[ -n "$crasher" ]]; then
      echo "fuzz: the input is $crasher; replay it with: $build/$target $crasher" >&2
    fi
    failed+=("$target")
    summary+=("$target: FAILED, ${runs:-?} runs, ${cov:-? coverage}")
  else
    summary+=("$target: ok, ${runs:-?} runs in ${seconds}s, ${cov:-? coverage}, corpus $corpus inputs")
  fi
done

echo
echo "fuzz summary:"
printf '  %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]} (inputs in $build/artifacts/)" >&2
  exit 1
fi
