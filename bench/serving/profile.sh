#!/usr/bin/env bash
# Where newsmeta-server's time goes under the serving benchmark's loads: runs
# it on the serving corpus (made by run.sh) and samples it with perf
# (cpu-clock, so it works without hardware counters) while
# newsmeta-serving-load drives one load at a time. Not part of make bench.
#
#   bench/serving/profile.sh BUILD_DIR OUT_DIR
#
# Writes OUT_DIR/serving-profile-{stream,get,list}.txt: the hottest symbols
# (self time) and the share of each library. SERVING_ARTICLES as in run.sh;
# PROFILE_PERF_FLAGS adds perf record options (say, "--call-graph dwarf,8192
# -F 499" for call graphs through libraries built without frame pointers).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR OUT_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
articles=${SERVING_ARTICLES:-50000}
corpus=$build/bench-data/serving-$articles
if [[ ! -f $corpus.done ]]; then
  echo "profile: no corpus in $corpus; run bench/serving/run.sh first" >&2
  exit 1
fi
if ! perf stat -e cpu-clock true >/dev/null 2>&1; then
  echo "profile: perf cannot sample here" >&2
  exit 1
fi

server_pid=
perf_pid=
cleanup() {
  [[ -n $perf_pid ]] && kill -INT "$perf_pid" 2>/dev/null || true
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

"$build/server/newsmeta-server" --host 127.0.0.1 --port 0 --metrics_port -1 \
  --seeds "$corpus" --watch_seeds=false --drain_delay 0s \
  --shutdown_grace 1s 2>"$out/serving-profile-server.log" &
server_pid=$!
port=
for _ in $(seq 1200); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
    "$out/serving-profile-server.log" | head -n 1)
  [[ -n $port ]] && break
  sleep 0.25
done
[[ -n $port ]] || { echo "profile: the server did not start" >&2; exit 1; }
for _ in $(seq 600); do
  [[ $("$build/client/newsmeta-client" --target "127.0.0.1:$port" \
    --timeout 1s health 2>/dev/null || true) == SERVING ]] && break
  sleep 0.5
done

# The hottest entries of a perf report, without its comments and padding.
top() {
  local lines=$1
  shift
  perf report --stdio --no-children "$@" 2>/dev/null | grep -v '^#' |
    grep -v '^$' | sed 's/  *-  *-  *$//; s/   */  /g' | head -n "$lines" ||
    true
}

report() {
  echo "# newsmeta-server under the $2 load: self time by library"
  top 12 -i "$1" --sort dso
  echo
  echo "# self time by symbol"
  top 40 -i "$1" --sort dso,symbol
}

for load in stream get list; do
  data=$out/serving-profile-$load.data
  perf record -e cpu-clock -F 1999 ${PROFILE_PERF_FLAGS:-} -p "$server_pid" -o "$data" \
    >/dev/null 2>&1 &
  perf_pid=$!
  "$build/bench/serving/newsmeta-serving-load" \
    --targets "newsmeta=127.0.0.1:$port" --server_pids "$server_pid" \
    --measure "$load" --rounds 1 --stream_runs 5 --duration 5s \
    --out "$out/serving-profile-$load.json" 2>/dev/null
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  perf_pid=
  report "$data" "$load" >"$out/serving-profile-$load.txt"
  echo "profile: $out/serving-profile-$load.txt" >&2
done
