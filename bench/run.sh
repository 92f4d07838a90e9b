#!/usr/bin/env bash
# make bench: builds newsmeta in Release (build-bench/), runs every part of
# the benchmark suite and prints the table of figures and ratios.
#
# Each part is bench/<part>/run.sh, called with the build folder and an
# output folder; it writes <output>/<part>.json (see bench/report.py for the
# format). Parts run one after the other: the machine has two cores, shared
# by the load client and the server.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BENCH_BUILD_DIR:-$root/build-bench}
out=${BENCH_OUT:-$build/results}
parts=${BENCH_PARTS:-query serving load ingest}

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DNEWSMETA_BENCH=ON \
  -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
mkdir -p "$out"
for part in $parts; do
  if [[ -f "$root/bench/$part/run.sh" ]]; then
    echo "== bench: $part" >&2
    bash "$root/bench/$part/run.sh" "$build" "$out"
  fi
done
/usr/bin/python3 "$root/bench/report.py" "$out"
