#!/usr/bin/env bash
# End to end: newsmeta-server --write_snapshot writes a snapshot of the seeds
# and exits 0; a server started with --snapshot serves the seed article from
# it and catches up with its seeds folder at once (a delta: nothing changed;
# with the folder empty, the article goes); a corrupt
# snapshot is refused, naming the file, and the server loads the seeds.
# Usage: snapshot_test.sh SERVER CLIENT SEEDS_DIR
set -euo pipefail

server_bin=$1 client_bin=$2 seeds=$3
work=$(mktemp -d)
source "$(dirname "$0")/../lib/server.sh"
trap 'kill_server; rm -rf "$work"' EXIT

fail() { fail_with_logs "$@"; }

client() { timeout 20 "$client_bin" --target "$target" "$@"; }

snapshot=$work/catalog.nmsnap

echo "== --write_snapshot writes the snapshot and exits 0"
timeout 60 "$server_bin" --seeds "$seeds" --write_snapshot "$snapshot" \
  >"$work/write.log" 2>&1 || fail "--write_snapshot exited $?"
[[ "$(head -c 6 "$snapshot")" == NMSNAP ]] || fail "the file lacks the magic"
grep -q "wrote snapshot $snapshot: 1 articles" "$work/write.log" ||
  fail "--write_snapshot did not say what it wrote"

echo "== --snapshot serves the seed article from the snapshot, then catches up"
start_server "$server_bin" --seeds "$seeds" --snapshot "$snapshot"
wait_serving
grep -qF "\"source\":\"snapshot $snapshot\"" "$work/server.log" ||
  fail "the load does not say it came from the snapshot"
out=$(client get articles/ede44015d0ace88e --json)
grep -q '"title":"Elon Musk claims Tesla' <<<"$out" ||
  fail "the seed article is not served: $out"
# At once, the walk of the seeds as a delta: the one seed is the snapshot's.
for _ in $(seq 100); do
  grep -q '"reason":"catching up with the seeds after the snapshot"' \
    "$work/server.log" && break
  sleep 0.1
done
catch_up=$(grep '"reason":"catching up with the seeds after the snapshot"' \
  "$work/server.log") || fail "no catch-up with the seeds after the snapshot"
grep -q '"delta":true' <<<"$catch_up" || fail "the catch-up was no delta"
grep -q 'reloaded 1 articles.*(unchanged)' <<<"$catch_up" ||
  fail "the catch-up changed the catalog: $catch_up"
stop_server
[[ "$stop_code" == 0 ]] || fail "server exited with $stop_code after SIGTERM"

echo "== with its seeds gone, the catch-up removes the snapshot's article"
mkdir "$work/empty-seeds"
start_server "$server_bin" --seeds "$work/empty-seeds" --snapshot "$snapshot"
wait_serving
grep -qF "\"source\":\"snapshot $snapshot\"" "$work/server.log" ||
  fail "the load does not say it came from the snapshot"
for _ in $(seq 100); do
  grep -q "reloaded 0 articles" "$work/server.log" && break
  sleep 0.1
done
grep -q "reloaded 0 articles" "$work/server.log" || fail "no reload from the seeds"
grep -q '"source":"seeds"' "$work/server.log" || fail "reload source is not seeds"
stop_server
[[ "$stop_code" == 0 ]] || fail "server exited with $stop_code after SIGTERM"

echo "== a corrupt snapshot is refused, naming the file; the seeds are loaded"
bad=$work/bad.nmsnap
/usr/bin/python3 - "$snapshot" "$bad" <<'EOF'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[len(data) // 2] ^= 0x01
open(sys.argv[2], "wb").write(data)
EOF
start_server "$server_bin" --seeds "$seeds" --snapshot "$bad"
wait_serving
grep -q "not starting from the snapshot" "$work/server.log" ||
  fail "the refusal is not logged"
grep -qF "snapshot \\\"$bad\\\": corrupt" "$work/server.log" ||
  fail "the refusal does not name the file and the problem"
grep -q '"source":"seeds"' "$work/server.log" || fail "the seeds were not loaded"
out=$(client get articles/ede44015d0ace88e --json)
grep -q '"title":"Elon Musk claims Tesla' <<<"$out" ||
  fail "the seed article is not served after the fallback: $out"
stop_server

echo "== --write_snapshot --strict with a rejected seed exits 2 and writes nothing"
mkdir "$work/bad-seeds"
cp "$seeds"/*.txt "$work/bad-seeds/"
printf -- '---\ntitle: [unclosed\n---\n' >"$work/bad-seeds/bad.txt"
code=0
timeout 60 "$server_bin" --seeds "$work/bad-seeds" --strict \
  --write_snapshot "$work/strict.nmsnap" >"$work/strict.log" 2>&1 || code=$?
[[ "$code" == 2 ]] || fail "--write_snapshot --strict exited $code, not 2"
[[ ! -e "$work/strict.nmsnap" ]] || fail "--strict still wrote a snapshot"

echo "PASS"
