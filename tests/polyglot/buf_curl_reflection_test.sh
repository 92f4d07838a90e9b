#!/usr/bin/env bash
# Debugging with reflection only (no proto files): `buf curl` lists the
# services, calls GetArticle, streams StreamArticles and reads health, and the
# reflection service describes newsmeta.v1.Article, all against the real
# server on a free loopback port.
set -euo pipefail

source_dir=${NEWSMETA_SOURCE_DIR:?}
server_bin=${NEWSMETA_SERVER:?}
buf="$source_dir/tools/node_modules/.bin/buf"
work=$(mktemp -d)
source "$(dirname "$0")/../lib/server.sh"
trap 'kill_server; rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  cat "$work/server.log" >&2 || true
  exit 1
}

start_server "$server_bin" --seeds "$source_dir/seeds"
wait_serving
url="http://$target"
curl_() {
  timeout 30 "$buf" curl --protocol grpc --http2-prior-knowledge "$@"
}

echo "== list services"
out=$(curl_ --list-services "$url")
echo "$out"
for service in newsmeta.v1.ArticleService grpc.health.v1.Health; do
  grep -qx "$service" <<<"$out" || fail "$service is not listed"
done
out=$(curl_ --list-methods "$url")
for method in GetArticle ListArticles StreamArticles SummarizeArticles BatchGetArticles; do
  grep -qx "newsmeta.v1.ArticleService/$method" <<<"$out" || fail "$method is not listed"
done

echo "== describe newsmeta.v1.Article through reflection"
curl_ -d '{"fileContainingSymbol":"newsmeta.v1.Article"}' \
  "$url/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo" >"$work/reflection.json"
/usr/bin/python3 - "$work/reflection.json" >"$work/article.desc" <<'PY'
import base64, json, sys
response = json.load(open(sys.argv[1]))
files = response["fileDescriptorResponse"]["fileDescriptorProto"]
sys.stdout.buffer.write(base64.b64decode(files[0]))
PY
protoc --decode=google.protobuf.FileDescriptorProto -I/usr/include \
  google/protobuf/descriptor.proto <"$work/article.desc" >"$work/article.txt"
grep -q 'name: "newsmeta/v1/article.proto"' "$work/article.txt" || fail "wrong file described"
grep -A3 'name: "publish_time"' "$work/article.txt" | grep -q 'number: 5' ||
  fail "Article.publish_time is not field 5"
grep -A3 'name: "related"' "$work/article.txt" | grep -q 'number: 100' ||
  fail "Article.related is not field 100"

echo "== call GetArticle"
out=$(curl_ -d '{"name":"articles/ede44015d0ace88e"}' \
  "$url/newsmeta.v1.ArticleService/GetArticle")
grep -q '"title": "Elon Musk claims Tesla' <<<"$out" || fail "GetArticle: $out"
grep -q '"secured": "pgmT67' <<<"$out" || fail "GetArticle is not the FULL view"

echo "== stream StreamArticles"
out=$(curl_ -d '{"topics":["AI Hardware"],"startTime":"2023-07-01T00:00:00Z","endTime":"2023-08-01T00:00:00Z"}' \
  "$url/newsmeta.v1.ArticleService/StreamArticles")
grep -q '"name": "articles/ede44015d0ace88e"' <<<"$out" || fail "StreamArticles: $out"
grep -q '"publishTime": "2023-07-24T09:05:00Z"' <<<"$out" || fail "no publishTime"

echo "== health"
out=$(curl_ -d '{"service":"newsmeta.v1.ArticleService"}' "$url/grpc.health.v1.Health/Check")
grep -q '"status": "SERVING"' <<<"$out" || fail "health: $out"

echo "== an error carries its details"
if curl_ -d '{"filter":"quality >> 3"}' "$url/newsmeta.v1.ArticleService/ListArticles" \
    >"$work/out" 2>"$work/err"; then
  fail "a bad filter succeeded"
fi
cat "$work/err"
grep -q '"code": "invalid_argument"' "$work/err" || fail "not INVALID_ARGUMENT"
grep -q '"type": "google.rpc.ErrorInfo"' "$work/err" || fail "no ErrorInfo"
grep -q '"type": "google.rpc.BadRequest"' "$work/err" || fail "no BadRequest"

stop_server
[[ "$stop_code" == 0 ]] || fail "server exited with $stop_code after SIGTERM"
echo "PASS"
