#!/usr/bin/env bash
# Ingest benchmark (bench part "ingest", issue 21): new seed files renamed
# into the folder of a running newsmeta-server (loopback), each applied as a
# delta by the inotify reload, against a full reload (SIGHUP) of the same
# catalog in the same run.
#
#   bench/ingest/run.sh BUILD_DIR OUT_DIR
#
# 1. A corpus of $INGEST_ARTICLES generated seeds (--seed 1) and a pool of
#    new seeds: those of index >= INGEST_ARTICLES of a corpus generated with
#    a larger --count (so no seed of the corpus links to them). Both cached in
#    BUILD_DIR/bench-data/; each run copies the seeds it renames from the pool
#    into a scratch folder beside the corpus (same file system).
# 2. ingest_bench.py starts newsmeta-server (--reload_quiet_period
#    $INGEST_QUIET_PERIOD) and measures: cold start and its peak RSS; one
#    seed renamed into a subfolder at a time until GetArticle finds it
#    ($INGEST_RENAMES times: latency, server CPU less an idle baseline, peak
#    RSS); a steady feed ($INGEST_FEED_RATE renames a second for
#    $INGEST_FEED_SECONDS) while query clients call, on the catalog the cold
#    start laid out; a SIGHUP with nothing changed (a walk applied as a
#    delta); a takedown of 30% of the files and their restore; a seed
#    linking to a URL two articles own.
# 3. rows.py writes OUT_DIR/ingest.json (format: bench/report.py); the raw
#    figures stay in OUT_DIR/ingest-raw.json, the server's log in
#    OUT_DIR/ingest-server.log.
# The renamed seeds are removed from the corpus afterwards, and the server
# always stopped.
#
# Time: with 1,000,000 articles about 9 minutes once the corpus exists
# (cold load ~1.8 min, renames ~2 min, SIGHUP and rebuild ~2 min, feed
# 1.3 min; peak RSS in the cold load and the rebuild); making the corpus (3.4 GB, kept) and the pool the first
# time adds ~3.5 minutes. 200,000 articles: about 3.5 minutes.
#
# Environment: INGEST_ARTICLES (default 1000000), INGEST_RENAMES (60 polled,
# as many unpolled), INGEST_QUIET_PERIOD (200ms), INGEST_FEED_SECONDS (60; 0
# skips the feed), INGEST_FEED_RATE (200), INGEST_QUERY_CLIENTS (3),
# INGEST_GEN_TMP (/dev/shm).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR OUT_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)

articles=${INGEST_ARTICLES:-1000000}
renames=${INGEST_RENAMES:-60}
quiet=${INGEST_QUIET_PERIOD:-200ms}
feed_seconds=${INGEST_FEED_SECONDS:-60}
feed_rate=${INGEST_FEED_RATE:-200}
clients=${INGEST_QUERY_CLIENTS:-3}

server_bin=$build/server/newsmeta-server
gen_bin=$build/tools/newsmeta-gen-seeds
stubs=$build/client/python/gen
for bin in "$server_bin" "$gen_bin"; do
  if [[ ! -x $bin ]]; then
    echo "ingest: $bin is missing" >&2
    exit 1
  fi
done
if [[ ! -d $stubs/newsmeta/v1 ]]; then
  echo "ingest: no Python stubs in $stubs (target newsmeta_python_stubs)" >&2
  exit 1
fi

needed=$(/usr/bin/python3 -c \
  "print(2 * $renames + int(float('$feed_seconds') * float('$feed_rate')))")
data=$build/bench-data/ingest-$articles
corpus=$data/seeds
pool=$data/new
mkdir -p "$data"

if [[ ! -f $corpus.done ]]; then
  echo "ingest: generating $articles seeds in $corpus" >&2
  rm -rf "$corpus"
  "$gen_bin" --count "$articles" --out "$corpus" --seed 1 >&2
  touch "$corpus.done"
fi
have=0
[[ -f $pool.done ]] && have=$(cat "$pool.done")
if (( have < needed )); then
  # The seeds of index >= $articles of a bigger corpus: new articles, which
  # no seed of the corpus links to (links point at indexes below --count).
  # The bigger corpus is written to memory (INGEST_GEN_TMP, default
  # /dev/shm; 3.4 GB at 1,000,000) and dropped once the new seeds are out:
  # deleting a million files from this VM's disk takes over 20 minutes.
  echo "ingest: generating $needed new seeds into $pool" >&2
  rm -rf "$pool"
  bigger=$(mktemp -d "${INGEST_GEN_TMP:-/dev/shm}/newsmeta-ingest.XXXXXX")
  trap 'rm -rf "$bigger"' EXIT
  "$gen_bin" --count "$((articles + needed))" --out "$bigger" --seed 1 >&2
  # Seed i is FOLDER/i/1000/i.txt (8 digits): only the last folders hold new
  # ones.
  mkdir -p "$pool"
  for folder in "$bigger"/*/; do
    (( 10#$(basename "$folder") >= articles / 1000 )) || continue
    for path in "$folder"*.txt; do
      name=${path##*/}
      if (( 10#${name%%.*} >= articles )); then mv "$path" "$pool/"; fi
    done
  done
  rm -rf "$bigger"
  echo "$needed" >"$pool.done"
fi

scratch=$(mktemp -d "$data/scratch.XXXXXX")
manifest=$out/ingest-renamed.txt
cleanup() {
  # The renamed seeds (and the copy that forces a rebuild) leave the corpus
  # as it was generated.
  if [[ -f $manifest ]]; then
    while read -r path; do rm -f -- "$path"; done <"$manifest"
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cp -r "$pool/." "$scratch/"

# Warm the page cache: the cold start reads the files from memory.
find "$corpus/" -type f -print0 | xargs -0 cat >/dev/null

started=$SECONDS
/usr/bin/python3 "$here/ingest_bench.py" --server "$server_bin" \
  --stubs "$stubs" --seeds "$corpus" --pool "$scratch" \
  --log "$out/ingest-server.log" --out "$out/ingest-raw.json" \
  --manifest "$manifest" --quiet_period "$quiet" --renames "$renames" \
  --feed_seconds "$feed_seconds" --feed_rate "$feed_rate" \
  --query_clients "$clients"
/usr/bin/python3 "$here/rows.py" "$out/ingest-raw.json" "$out/ingest.json"
echo "ingest: done in $((SECONDS - started)) s; $out/ingest.json" >&2
