#!/usr/bin/env bash
# End to end, as an unprivileged user (root reads every folder): a seeds
# subfolder that cannot be read is a change applied as a delta (a SIGHUP
# walk): its articles go, the folder is rejected naming it, the others stay
# served; readable again, its articles come back. After each, the catalog
# version is the one a load from scratch of the same folder gives
# (--write_snapshot, as the same user).
# Usage: unreadable_folder_test.sh SERVER
set -euo pipefail

server_bin=$1
work=$(mktemp -d)
chmod 755 "$work"
source "$(dirname "$0")/../lib/server.sh"
trap 'chmod -R u+rwx "$work" 2>/dev/null || true; kill_server; rm -rf "$work"' EXIT

fail() { fail_with_logs "$@"; }

# The server runs as nobody when the test runs as root, from a copy of the
# binary that user can reach (a clone may sit in a private folder).
mkdir -m 755 "$work/bin"
mkdir -m 777 "$work/out"
cp "$server_bin" "$work/bin/newsmeta-server"
chmod 755 "$work/bin/newsmeta-server"
runner=$work/bin/run-server
if [[ $(id -u) -eq 0 ]]; then
  printf '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups -- %q "$@"\n' \
    "$work/bin/newsmeta-server" >"$runner"
else
  printf '#!/bin/sh\nexec %q "$@"\n' "$work/bin/newsmeta-server" >"$runner"
fi
chmod 755 "$runner"

seed() {  # FILE TITLE URL
  mkdir -p "$(dirname "$1")"
  printf -- '---\ntitle: "%s"\npublishedDateTime: 2024-05-01T10:00:00Z\noriginalUrl: "%s"\n---\n' \
    "$2" "$3" >"$1"
  chmod 644 "$1"
}
seeds=$work/seeds
seed "$seeds/kept/a.txt" "Kept" "https://example.com/kept"
seed "$seeds/gated/b.txt" "Gated one" "https://example.com/gated-1"
seed "$seeds/gated/c.txt" "Gated two" "https://example.com/gated-2"
chmod -R a+rX "$seeds"

# The version a load from scratch of the folder as it is gives.
scratch_version() {
  "$runner" --seeds "$seeds" --write_snapshot "$work/out/scratch.nmsnap" \
    >"$work/scratch.log" 2>&1 || fail "--write_snapshot exited $?"
  sed -n 's/.*catalog version \([0-9a-f]\{16\}\).*/\1/p' "$work/scratch.log" |
    head -1
}

# The JSON log line of the reload after the SIGHUP sent now.
reload_after_sighup() {
  local before
  before=$(grep -c '"message":"reloaded ' "$work/server.log" || true)
  kill -HUP "$server_pid"
  for _ in $(seq 200); do
    local now
    now=$(grep -c '"message":"reloaded ' "$work/server.log" || true)
    if ((now > before)); then
      grep '"message":"reloaded ' "$work/server.log" | tail -1
      return 0
    fi
    sleep 0.05
  done
  fail "no reload after SIGHUP"
}
field() {  # LINE KEY: a number or string field of a JSON log line
  sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1"
}

start_server "$runner" --seeds "$seeds" --metrics_port -1
wait_serving
grep -q '"message":"loaded 3 articles' "$work/server.log" ||
  fail "the first load did not serve the three articles"

# SIGHUP: the reload is a delta serving ARTICLES with REJECTED files
# rejected, of the version a load from scratch of the folder gives.
expect_delta_after_sighup() {  # ARTICLES REJECTED
  local line want
  line=$(reload_after_sighup)
  [[ "$line" == *"applied as a delta"* ]] || fail "not a delta: $line"
  [[ $(field "$line" articles) == "$1" ]] || fail "articles served: $line"
  [[ $(field "$line" rejected_files) == "$2" ]] || fail "rejections: $line"
  want=$(scratch_version)
  [[ $(field "$line" version) == "$want" ]] ||
    fail "version $(field "$line" version), a load from scratch gives $want"
}

echo "== a folder that cannot be read: a delta, its articles gone, it rejected"
chmod 000 "$seeds/gated"
expect_delta_after_sighup 1 1
grep -q 'rejected seed gated: cannot read the folder' "$work/server.log" ||
  fail "the folder's rejection is not logged naming it"

echo "== readable again: a delta, its articles back"
chmod 755 "$seeds/gated"
expect_delta_after_sighup 3 0

stop_server
echo "PASS"
