#!/usr/bin/env bash
# The proto contract: `buf lint` passes, `buf breaking` finds no wire or JSON
# break against the released API image (proto/released/newsmeta-v1.binpb), and
# both checks do fail on a scratch copy with a deliberate break.
set -euo pipefail

source_dir=${NEWSMETA_SOURCE_DIR:?}
buf="$source_dir/tools/node_modules/.bin/buf"
image="$source_dir/proto/released/newsmeta-v1.binpb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== buf lint"
(cd "$source_dir/proto" && "$buf" lint) || fail "buf lint reported problems"

echo "== buf breaking against the released image"
(cd "$source_dir/proto" && "$buf" breaking --against "$image") ||
  fail "the API breaks the released one; see README 'Changing the API'"

echo "== a changed field number is caught"
cp -r "$source_dir/proto" "$work/proto"
sed -i 's/^  string title = 3;$/  string title = 30;/' "$work/proto/newsmeta/v1/article.proto"
grep -q 'string title = 30;' "$work/proto/newsmeta/v1/article.proto" ||
  fail "the scratch edit did not apply"
if (cd "$work/proto" && "$buf" breaking --against "$image") >"$work/out" 2>&1; then
  fail "buf breaking accepted a changed field number"
fi
cat "$work/out"
grep -q 'title' "$work/out" || fail "the breaking report does not name the field"

echo "== a renamed JSON name is caught"
rm -rf "$work/proto" && cp -r "$source_dir/proto" "$work/proto"
sed -i 's/^  string excerpt = 4;$/  string summary = 4;/' "$work/proto/newsmeta/v1/article.proto"
if (cd "$work/proto" && "$buf" breaking --against "$image") >"$work/out" 2>&1; then
  fail "buf breaking accepted a renamed field (a JSON break)"
fi
cat "$work/out"

echo "== a lint violation is caught"
rm -rf "$work/proto" && cp -r "$source_dir/proto" "$work/proto"
sed -i 's/^  string title = 3;$/  string Title = 3;/' "$work/proto/newsmeta/v1/article.proto"
if (cd "$work/proto" && "$buf" lint) >"$work/out" 2>&1; then
  fail "buf lint accepted a field name that is not lower_snake_case"
fi
cat "$work/out"
grep -q 'lower_snake_case' "$work/out" || fail "lint did not explain the violation"

echo "PASS"
