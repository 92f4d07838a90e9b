#!/usr/bin/env bash
# Serving benchmark (bench part "serving"): newsmeta-server against a ceiling
# over gRPC on loopback, the same load client against both, in one run.
#
#   bench/serving/run.sh BUILD_DIR OUT_DIR
#
# 1. A corpus of $SERVING_ARTICLES (50,000) generated seeds, cached in
#    BUILD_DIR/bench-data/ so a re-run skips it.
# 2. newsmeta-server on it (port 0, no metrics port, no watcher); once health
#    is SERVING, newsmeta-serving-load measures it, then it is stopped.
# 3. newsmeta-serving-ceiling (pre-serialized answers of the same sizes, from
#    the same seeds), measured by the same client, then stopped.
# 4. rows.py turns both into OUT_DIR/serving.json: each figure as newsmeta /
#    ceiling, plus server CPU-us per message.
# The raw figures stay in OUT_DIR/serving-{newsmeta,ceiling}.json and the
# server logs in OUT_DIR/serving-*.log. Takes about 2 minutes (about 3 more
# the first time, to generate the corpus). Servers are always stopped.
#
# Environment: SERVING_ARTICLES (corpus size), SERVING_DURATION (each
# closed-loop measurement, default 5s), SERVING_STREAM_RUNS (default 5).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR OUT_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)

articles=${SERVING_ARTICLES:-50000}
duration=${SERVING_DURATION:-5s}
stream_runs=${SERVING_STREAM_RUNS:-5}

server_bin=$build/server/newsmeta-server
client_bin=$build/client/newsmeta-client
gen_bin=$build/tools/newsmeta-gen-seeds
load_bin=$build/bench/serving/newsmeta-serving-load
ceiling_bin=$build/bench/serving/newsmeta-serving-ceiling
for bin in "$server_bin" "$client_bin" "$gen_bin" "$load_bin" "$ceiling_bin"; do
  if [[ ! -x $bin ]]; then
    echo "serving: $bin is missing (build with -DNEWSMETA_BENCH=ON)" >&2
    exit 1
  fi
done

# The corpus, made once per build folder and size.
corpus=$build/bench-data/serving-$articles
if [[ ! -f $corpus.done ]]; then
  echo "serving: generating $articles seeds in $corpus" >&2
  rm -rf "$corpus"
  mkdir -p "$corpus"
  "$gen_bin" --count "$articles" --out "$corpus" --seed 1 >/dev/null
  touch "$corpus.done"
fi

server_pid=
stop_server() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# Starts "$@" with its log in $1.log, waits for its `listening on` line and
# sets server_pid and port.
start_server() {
  local log=$1
  shift
  "$@" 2>"$log" &
  server_pid=$!
  port=
  for _ in $(seq 1200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
      "$log" | head -n 1)
    [[ -n $port ]] && return 0
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "serving: $1 exited; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.25
  done
  echo "serving: $1 did not listen within 5 minutes" >&2
  return 1
}

measure() {
  local label=$1
  "$load_bin" --target "127.0.0.1:$port" --server_pid "$server_pid" \
    --label "$label" --duration "$duration" --stream_runs "$stream_runs" \
    --out "$out/serving-$label.json" 2>>"$out/serving-load.log"
}

: >"$out/serving-load.log"
started=$SECONDS

echo "serving: newsmeta-server, loading $articles seeds" >&2
start_server "$out/serving-newsmeta.log" "$server_bin" --host 127.0.0.1 \
  --port 0 --metrics_port -1 --seeds "$corpus" --watch_seeds=false \
  --drain_delay 0s --shutdown_grace 1s
for _ in $(seq 600); do
  if [[ $("$client_bin" --target "127.0.0.1:$port" --timeout 1s health \
    2>/dev/null || true) == SERVING ]]; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "serving: newsmeta-server exited; its log:" >&2
    cat "$out/serving-newsmeta.log" >&2
    exit 1
  fi
  sleep 0.5
done
echo "serving: measuring newsmeta-server (ready after $((SECONDS - started)) s)" >&2
measure newsmeta
stop_server

echo "serving: newsmeta-serving-ceiling, loading $articles seeds" >&2
start_server "$out/serving-ceiling.log" "$ceiling_bin" --host 127.0.0.1 \
  --port 0 --seeds "$corpus"
echo "serving: measuring the ceiling" >&2
measure ceiling
stop_server

/usr/bin/python3 "$here/rows.py" "$out/serving-newsmeta.json" \
  "$out/serving-ceiling.json" "$out/serving.json"
echo "serving: done in $((SECONDS - started)) s; $out/serving.json" >&2
