#!/usr/bin/env bash
# Serving benchmark (bench part "serving"): newsmeta-server against a ceiling
# over gRPC on loopback, the same load client against both, in one run.
#
#   bench/serving/run.sh BUILD_DIR OUT_DIR
#
# 1. A corpus of $SERVING_ARTICLES (50,000) generated seeds, cached in
#    BUILD_DIR/bench-data/ so a re-run skips it.
# 2. newsmeta-server on it (port 0, no metrics port, no watcher); once its
#    health says SERVING, newsmeta-serving-ceiling, which copies the articles
#    from it (one StreamArticles call) and answers with pre-serialized bytes
#    of the same sizes; it is ready when it logs `listening on`.
# 3. newsmeta-serving-load measures both, taking turns measurement by
#    measurement (A B, then B A), since the machine is shared and its load
#    drifts; the server that is not measured sits idle. Then both stop.
# 4. rows.py turns the figures into OUT_DIR/serving.json: each as newsmeta /
#    ceiling (throughput: the median of the rounds' ratios), plus server
#    CPU-us per message.
# The raw figures stay in OUT_DIR/serving-raw.json and the logs in
# OUT_DIR/serving-*.log. Takes about 2 minutes (1 to 3 more the first time,
# to generate the corpus). Servers are always stopped.
#
# Environment: SERVING_ARTICLES (corpus size), SERVING_DURATION (each
# closed-loop measurement per round, default 3s), SERVING_ROUNDS (default 4),
# SERVING_STREAM_RUNS (per round, default 3).
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
duration=${SERVING_DURATION:-3s}
rounds=${SERVING_ROUNDS:-4}
stream_runs=${SERVING_STREAM_RUNS:-3}

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

pids=()
stop_servers() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

# Waits for the `listening on 127.0.0.1:PORT` line of server $1 (pid $2) in
# log $3 and prints PORT.
listening_port() {
  local port
  for _ in $(seq 1200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
      "$3" | head -n 1)
    if [[ -n $port ]]; then
      echo "$port"
      return 0
    fi
    if ! kill -0 "$2" 2>/dev/null; then
      echo "serving: $1 exited; its log:" >&2
      cat "$3" >&2
      return 1
    fi
    sleep 0.25
  done
  echo "serving: $1 did not listen within 5 minutes" >&2
  return 1
}

started=$SECONDS
echo "serving: starting newsmeta-server on $articles seeds" >&2
"$server_bin" --host 127.0.0.1 --port 0 --metrics_port -1 --seeds "$corpus" \
  --watch_seeds=false --drain_delay 0s --shutdown_grace 1s \
  2>"$out/serving-newsmeta.log" &
newsmeta_pid=$!
pids+=("$newsmeta_pid")

newsmeta_port=$(listening_port newsmeta-server "$newsmeta_pid" \
  "$out/serving-newsmeta.log")
health=
for _ in $(seq 600); do
  health=$("$client_bin" --target "127.0.0.1:$newsmeta_port" --timeout 1s \
    health 2>/dev/null || true)
  [[ $health == SERVING ]] && break
  if ! kill -0 "$newsmeta_pid" 2>/dev/null; then
    echo "serving: newsmeta-server exited; its log:" >&2
    cat "$out/serving-newsmeta.log" >&2
    exit 1
  fi
  sleep 0.5
done
if [[ $health != SERVING ]]; then
  echo "serving: newsmeta-server not SERVING after 5 minutes" >&2
  exit 1
fi
echo "serving: newsmeta ready after $((SECONDS - started)) s; starting the ceiling" >&2
"$ceiling_bin" --host 127.0.0.1 --port 0 \
  --source "127.0.0.1:$newsmeta_port" 2>"$out/serving-ceiling.log" &
ceiling_pid=$!
pids+=("$ceiling_pid")
ceiling_port=$(listening_port newsmeta-serving-ceiling "$ceiling_pid" \
  "$out/serving-ceiling.log")
echo "serving: both ready after $((SECONDS - started)) s; measuring" >&2

"$load_bin" \
  --targets "newsmeta=127.0.0.1:$newsmeta_port,ceiling=127.0.0.1:$ceiling_port" \
  --server_pids "$newsmeta_pid,$ceiling_pid" --rounds "$rounds" \
  --duration "$duration" --stream_runs "$stream_runs" \
  --out "$out/serving-raw.json" 2>"$out/serving-load.log" || {
  echo "serving: the load client failed; its log:" >&2
  cat "$out/serving-load.log" >&2
  exit 1
}
stop_servers

/usr/bin/python3 "$here/rows.py" "$out/serving-raw.json" "$out/serving.json"
echo "serving: done in $((SECONDS - started)) s; $out/serving.json" >&2
