#!/usr/bin/env bash
# End to end: the real newsmeta-server on a free loopback port, queried by the
# real newsmeta-client; then SIGTERM must stop the server with exit code 0.
# Usage: server_client_test.sh SERVER CLIENT SEEDS_DIR
set -euo pipefail

server_bin=$1 client_bin=$2 seeds=$3
work=$(mktemp -d)
source "$(dirname "$0")/../lib/server.sh"
trap 'kill_server; rm -rf "$work"' EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- server log ---" >&2
  cat "$work/server.log" >&2 || true
  exit 1
}

client() { timeout 20 "$client_bin" --target "$target" "$@"; }

echo "== the seed article is found by topic and date range"
start_server "$server_bin" --seeds "$seeds"
wait_serving
[[ "$(client health)" == SERVING ]] || fail "client health is not SERVING"
[[ "$(client health --service newsmeta.v1.ArticleService)" == SERVING ]] ||
  fail "ArticleService health is not SERVING"
out=$(client stream --topic "AI Hardware" --from 2023-07-01 --to 2023-07-31)
echo "$out"
grep -q "articles/ede44015d0ace88e" <<<"$out" || fail "stream lacks the seed article"
grep -q "Elon Musk claims Tesla" <<<"$out" || fail "stream lacks the title"
grep -q "^1 articles$" <<<"$out" || fail "stream count is not 1"

out=$(client list --topic "ai hardware" --from 2023-07-01 --to 2023-07-31 --json 2>/dev/null)
grep -q '"name":"articles/ede44015d0ace88e"' <<<"$out" || fail "list --json lacks the article"
grep -q '"publishTime":"2023-07-24T09:05:00Z"' <<<"$out" || fail "list --json lacks publishTime"
grep -q '"secured"' <<<"$out" && fail "BASIC view must not carry secured"

out=$(client get articles/ede44015d0ace88e --json)
grep -q '"secured":"pgmT67' <<<"$out" || fail "get (FULL view) lacks secured"

echo "== summary counts and draws the histogram"
out=$(client summary --topic "AI Hardware" --interval day)
echo "$out"
grep -q "^1 matching articles$" <<<"$out" || fail "summary total is not 1"
grep -q "^AI Hardware .*█ 1$" <<<"$out" || fail "summary lacks the topic bar"
grep -q "^2023-07-24 █* 1$" <<<"$out" || fail "summary lacks the day bucket"

echo "== filter and text search"
out=$(client list --filter 'quality >= 40 AND provider.domain = "datacenterdynamics.com"' --text 'dojo "supercomputer"')
grep -q "articles/ede44015d0ace88e" <<<"$out" || fail "filter + text did not find the seed"
out=$(client list --text 'dojo -tesla')
grep -q "^0 of 0 matching articles$" <<<"$out" || fail "-tesla did not exclude the seed"

echo "== outside the range, nothing"
out=$(client stream --topic "AI Hardware" --from 2023-07-25 --to 2023-07-31)
grep -q "^0 articles$" <<<"$out" || fail "expected no article after 2023-07-24"

echo "== errors print the code and exit non-zero"
if client get articles/0000000000000000 2>"$work/err"; then fail "get unknown succeeded"; fi
grep -q "NOT_FOUND" "$work/err" || fail "no NOT_FOUND in: $(cat "$work/err")"
if client list --page_size=-1 2>"$work/err"; then fail "negative page_size succeeded"; fi
grep -q "INVALID_ARGUMENT" "$work/err" || fail "no INVALID_ARGUMENT in: $(cat "$work/err")"

echo "== SIGTERM stops the server cleanly"
stop_server
[[ "$stop_code" == 0 ]] || fail "server exited with $stop_code after SIGTERM"
grep -q "stopped" "$work/server.log" || fail "server did not log its stop"

echo "== a bad seed is reported and good ones still load; --strict exits 2"
mkdir -p "$work/seeds/nested"
cp "$seeds"/*.txt "$work/seeds/nested/"
printf -- '---\ntitle: [unclosed\n---\n' >"$work/seeds/bad.txt"
start_server "$server_bin" --seeds "$work/seeds"
wait_serving
grep -q "rejected seed bad.txt:" "$work/server.log" || fail "bad.txt not reported"
grep -q "loaded 1 articles" "$work/server.log" || fail "good seed not loaded"
stop_server
[[ "$stop_code" == 0 ]] || fail "server exited with $stop_code after SIGTERM"

timeout 30 "$server_bin" --host 127.0.0.1 --port 0 --metrics_port -1 \
  --seeds "$work/seeds" --strict \
  >"$work/server.log" 2>&1 && code=0 || code=$?
[[ "$code" == 2 ]] || fail "--strict with a bad seed exited $code, not 2"

echo "== flags fall back to NEWSMETA_* environment variables"
NEWSMETA_STRICT=true NEWSMETA_SEEDS="$work/seeds" timeout 30 "$server_bin" \
  --host 127.0.0.1 --port 0 --metrics_port -1 >"$work/server.log" 2>&1 && code=0 || code=$?
[[ "$code" == 2 ]] || fail "NEWSMETA_STRICT=true with a bad seed exited $code, not 2"
grep -qF '"seeds":"'"$work/seeds"'"' "$work/server.log" || fail "NEWSMETA_SEEDS was not used"
NEWSMETA_PORT=not-a-port timeout 30 "$server_bin" >"$work/server.log" 2>&1 && code=0 || code=$?
[[ "$code" == 1 ]] || fail "a bad NEWSMETA_PORT exited $code, not 1"
grep -q "NEWSMETA_PORT" "$work/server.log" || fail "the bad variable is not named"

echo "PASS"
