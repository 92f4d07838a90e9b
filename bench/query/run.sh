#!/usr/bin/env bash
# Part "query" of make bench: bench/query/run.sh BUILD_DIR OUT_DIR.
# Builds a catalog of generated articles in process, times the query shapes
# against SQLite in the same run and writes OUT_DIR/query.json (format: see
# bench/report.py). Raw output goes to OUT_DIR/raw/. About 4 minutes here.
#   BENCH_QUERY_ARTICLES  catalog size (default 1000000)
set -euo pipefail

build=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
articles=${BENCH_QUERY_ARTICLES:-1000000}
mkdir -p "$out/raw"

"$build/bench/query/newsmeta_query_bench" \
  --articles="$articles" \
  --facts_out="$out/raw/query-facts.json" \
  --benchmark_out="$out/raw/query-gbench.json" \
  --benchmark_out_format=json \
  --benchmark_min_time=0.3 \
  --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true >&2
/usr/bin/python3 "$here/summarize.py" "$out/raw/query-facts.json" \
  "$out/raw/query-gbench.json" > "$out/query.json"
