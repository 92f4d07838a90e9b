#!/usr/bin/env bash
# Diagnosis, not part of make bench: what newsmeta-server's per-call extras
# cost. Measures newsmeta-server beside four ceilings, all at once and taking
# turns as in run.sh: plain, with a server interceptor that does nothing
# (newsmeta runs its metrics interceptor on every call), with a
# newsmeta-catalog-version response header (newsmeta sends one on every
# call), and with both.
#
#   bench/serving/variants.sh BUILD_DIR OUT_DIR
#
# Prints one line per server and writes OUT_DIR/serving-variants.json (the
# load client's figures). Uses run.sh's corpus; SERVING_ARTICLES as there.
# About 5 minutes.
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
  echo "variants: no corpus in $corpus; run bench/serving/run.sh first" >&2
  exit 1
fi

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

# Prints the port of the `listening on 127.0.0.1:PORT` line of log $1.
listening_port() {
  local port
  for _ in $(seq 1200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' \
      "$1" | head -n 1)
    if [[ -n $port ]]; then
      echo "$port"
      return 0
    fi
    sleep 0.25
  done
  echo "variants: nothing listens after 5 minutes ($1)" >&2
  return 1
}

"$build/server/newsmeta-server" --host 127.0.0.1 --port 0 --metrics_port -1 \
  --seeds "$corpus" --watch_seeds=false --drain_delay 0s \
  --shutdown_grace 1s 2>"$out/variants-newsmeta.log" &
pids+=($!)
newsmeta_pid=$!
port=$(listening_port "$out/variants-newsmeta.log")
health=
for _ in $(seq 600); do
  health=$("$build/client/newsmeta-client" --target "127.0.0.1:$port" \
    --timeout 1s health 2>/dev/null || true)
  [[ $health == SERVING ]] && break
  sleep 0.5
done
[[ $health == SERVING ]] || { echo "variants: newsmeta not SERVING" >&2; exit 1; }

targets="newsmeta=127.0.0.1:$port"
server_pids=$newsmeta_pid
for variant in plain interceptor header both; do
  flags=()
  case $variant in
    interceptor) flags=(--interceptor) ;;
    header) flags=(--version_header) ;;
    both) flags=(--interceptor --version_header) ;;
  esac
  "$build/bench/serving/newsmeta-serving-ceiling" --host 127.0.0.1 --port 0 \
    --source "127.0.0.1:$port" "${flags[@]}" \
    2>"$out/variants-$variant.log" &
  pids+=($!)
  server_pids+=",$!"
  targets+=",ceiling-$variant=127.0.0.1:$(listening_port \
    "$out/variants-$variant.log")"
done

"$build/bench/serving/newsmeta-serving-load" --targets "$targets" \
  --server_pids "$server_pids" --rounds 2 --duration 4s --stream_runs 2 \
  --out "$out/serving-variants.json" 2>"$out/variants-load.log"

/usr/bin/python3 - "$out/serving-variants.json" <<'EOF'
import json
import sys

targets = json.load(open(sys.argv[1]))["targets"]
print(f"{'server':20} {'stream/s':>9} {'CPU-µs':>7} {'get1/s':>7} {'p50 µs':>7}"
      f" {'get16/s':>8} {'p50 µs':>7} {'CPU-µs':>7} {'list/s':>7}"
      f" {'CPU-µs':>7}")
for name, t in targets.items():
    s, g1, g16, l = t["stream"], t["get_1"], t["get_16"], t["list_16"]
    print(f"{name:20} {s['articles_per_s']:9.0f}"
          f" {s['server_cpu_us_per_article']:7.1f}"
          f" {g1['calls_per_s']:7.0f} {g1['p50_us']:7.0f}"
          f" {g16['calls_per_s']:8.0f} {g16['p50_us']:7.0f}"
          f" {g16['server_cpu_us_per_call']:7.1f}"
          f" {l['calls_per_s']:7.0f} {l['server_cpu_us_per_call']:7.1f}")
EOF
