#!/usr/bin/env bash
# Builds deploy/Dockerfile for real and runs the image, without a Docker
# engine: a Debian base made by mmdebstrap and imported with podman, the build
# by `buildah bud --isolation chroot`, then the server started in the image by
# `buildah run` and queried by newsmeta-client from the host.
#
#   bash deploy/test-image.sh [--fresh-base] [--no-build]
#
# Takes minutes (the C++ build in the image), so it is not part of `make
# test`. Needs root (it re-runs itself with sudo) and the Debian packages
# mmdebstrap, podman and buildah, which it installs when missing.
# Everything it keeps lives in ~/.cache/newsmeta (NEWSMETA_CACHE overrides):
#   base.tar  the Debian base; --fresh-base makes it anew
# --no-build checks the image the last run built, without building it again.
#   storage/  container storage (vfs) of this script alone: the base and
#             the last image built (a few hundred MB)
# Exits non-zero, saying why, on the first failed check.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  exec sudo --preserve-env=NEWSMETA_CACHE,NEWSMETA_IMAGE bash "$0" "$@"
fi

fresh_base=false
build=true
for arg in "$@"; do
  case $arg in
    --fresh-base) fresh_base=true ;;
    --no-build) build=false ;;
    *) echo "usage: deploy/test-image.sh [--fresh-base] [--no-build]" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
image=${NEWSMETA_IMAGE:-localhost/newsmeta:test}
cache=${NEWSMETA_CACHE:-$HOME/.cache/newsmeta}
build_dir=build
client_bin=$build_dir/client/newsmeta-client
# Debian's Python, with python3-yaml (a python3 earlier on PATH may lack it).
py=/usr/bin/python3
work=$(mktemp -d)
started=$SECONDS

step() { printf '\n== %s (%ds)\n' "$*" $((SECONDS - started)); }
fail() {
  echo "test-image: FAIL: $*" >&2
  if [[ -s "$work/server.log" ]]; then
    echo "--- server log ---" >&2
    cat "$work/server.log" >&2
  fi
  exit 1
}

# Storage of this script alone, so it never touches (or trips over) the
# machine's own container storage and its driver.
storage=(--storage-driver vfs --root "$cache/storage" --runroot /run/newsmeta-test-image)
bah() { buildah "${storage[@]}" "$@"; }
pod() { podman "${storage[@]}" "$@"; }

container=
server_pid=  # of `buildah run`, whose child (in the chroot) is the server
# The server's own process: `buildah run` does not pass signals on (it kills
# its child on SIGTERM), so they go to the server directly.
server_process() {
  local pid
  for pid in $(pgrep -P "$1"); do
    if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == newsmeta-server ]]; then
      echo "$pid"
    else
      server_process "$pid"
    fi
  done
}
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL $(server_process "$server_pid") "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [[ -z "$container" ]] || bah rm "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "host tools"
missing=()
for package in mmdebstrap podman buildah python3 python3-yaml curl; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
buildah --version

step "the host's newsmeta-client"
# Only the client is needed here; configuring goes through the Makefile so
# that setup (packages, npm tools) runs as for `make build`.
make --no-print-directory "$build_dir/CMakeCache.txt"
cmake --build "$build_dir" --target newsmeta-client -j "$(nproc)" >/dev/null ||
  fail "building newsmeta-client failed: run \`make build\` to see why"
[[ -x "$client_bin" ]] || fail "no $client_bin"

step "Debian base images (debian:bookworm, debian:bookworm-slim)"
mkdir -p "$cache"
import=false
if $fresh_base || [[ ! -s "$cache/base.tar" ]]; then
  # minbase, with the slim image's dpkg filters (no man pages, docs or
  # locales), merged /usr set up as debootstrap does (the usrmerge package
  # would bring perl), and the sources a real Debian image has: main,
  # updates and security, so the runtime libraries are the current ones.
  echo "mmdebstrap → $cache/base.tar"
  mmdebstrap --quiet --variant=minbase --format=tar \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    bookworm "$cache/base.tar.partial" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" ||
    fail "mmdebstrap failed"
  mv "$cache/base.tar.partial" "$cache/base.tar"
  import=true
fi
if $import || ! pod image exists docker.io/library/debian:bookworm-slim; then
  # The name moves to the new image; the old one is pruned after the build.
  pod import --quiet "$cache/base.tar" docker.io/library/debian:bookworm-slim >/dev/null ||
    fail "podman import of $cache/base.tar failed"
fi
# The builder stage starts from the same base and installs what it needs.
pod tag docker.io/library/debian:bookworm-slim docker.io/library/debian:bookworm
ls -lh "$cache/base.tar" | awk '{print "base.tar: " $5}'

if $build; then
  step "build $image (a C++ Release build: 15-25 minutes on 2 cores)"
  build_started=$SECONDS
  # No --layers: vfs stores every layer as a whole copy of the file system,
  # and copying and deleting the builder's (the node and C++ toolchains) after
  # each step costs more than the steps themselves. The previous image, left
  # without a name, is pruned after the build. The builder trusts the CAs the
  # host trusts, for npm behind a TLS-inspecting proxy (see deploy/Dockerfile).
  secrets=()
  ca_bundle=/etc/ssl/certs/ca-certificates.crt
  [[ -s "$ca_bundle" ]] && secrets=(--secret "id=ca-certificates,src=$ca_bundle")
  # The storage is this script's alone: containers in it were left by an
  # interrupted run.
  bah rm --all >/dev/null 2>&1 || true
  bah bud --pull=never --isolation chroot "${secrets[@]}" \
    --build-arg VERSION="$(sed -n 's/^project(newsmeta VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)" \
    --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
    -f deploy/Dockerfile -t "$image" . >"$work/build.log" 2>&1 ||
    { tail -n 60 "$work/build.log" >&2; fail "buildah bud failed (the end of its log is above)"; }
  build_seconds=$((SECONDS - build_started))
  echo "built in ${build_seconds}s"
  bah rmi --prune >/dev/null || true
else
  pod image exists "$image" || fail "no image $image to check: run without --no-build"
  echo "--no-build: checking the image built before"
fi

step "image configuration"
bah inspect --type image "$image" >"$work/inspect.json" || fail "buildah inspect $image failed"
"$py" - "$work/inspect.json" <<'PY' || fail "the image configuration is not as deploy/Dockerfile says"
import json, sys
config = json.load(open(sys.argv[1]))["OCIv1"]["config"]
problems = []
def want(ok, what):
    print(("ok    " if ok else "WRONG ") + what)
    if not ok:
        problems.append(what)
user = config.get("User", "")
uid = user.split(":")[0]
want(uid.isdigit() and int(uid) != 0, f"User is a numeric non-root uid ({user!r})")
ports = config.get("ExposedPorts", {})
want("50051/tcp" in ports and "9090/tcp" in ports, f"EXPOSE 50051 and 9090 ({sorted(ports)})")
want(config.get("StopSignal") == "SIGTERM", f"STOPSIGNAL SIGTERM ({config.get('StopSignal')!r})")
env = config.get("Env", [])
want("NEWSMETA_SEEDS=/srv/newsmeta/seeds" in env, "ENV NEWSMETA_SEEDS=/srv/newsmeta/seeds")
entrypoint = config.get("Entrypoint") or []
want(entrypoint[:1] == ["/usr/local/bin/newsmeta-server"], f"ENTRYPOINT {entrypoint}")
labels = config.get("Labels", {})
for key in ("title", "description", "source", "licenses", "version", "revision"):
    name = "org.opencontainers.image." + key
    want(bool(labels.get(name)), f"label {name}={labels.get(name)!r}")
sys.exit(1 if problems else 0)
PY
mapfile -t entrypoint < <("$py" -c 'import json, sys
print("\n".join(json.load(open(sys.argv[1]))["OCIv1"]["config"]["Entrypoint"]))' "$work/inspect.json")

step "inside the image"
container=$(bah from --pull=never "$image")
# `buildah run` runs as the image's USER, in its WORKDIR, with its ENV.
in_image() { bah run --isolation chroot --network host "$container" -- "$@"; }
uid=$(in_image id -u) || fail "cannot run a command in the image"
[[ "$uid" =~ ^[0-9]+$ && "$uid" -ne 0 ]] || fail "runs as uid $uid, not a non-root uid"
echo "ok    runs as uid $uid (gid $(in_image id -g))"
for bin in /usr/local/bin/newsmeta-server /usr/local/bin/newsmeta-client; do
  in_image test -x "$bin" || fail "$bin is missing or not executable"
  if in_image ldd "$bin" | grep 'not found'; then fail "$bin misses shared libraries"; fi
  echo "ok    $bin, every shared library found"
done
(cd seeds && find . -type f -exec sha256sum {} + | sort) >"$work/seeds.host"
in_image sh -c 'cd /srv/newsmeta/seeds && find . -type f -exec sha256sum {} + | sort' \
  >"$work/seeds.image" || fail "no /srv/newsmeta/seeds in the image"
diff -u "$work/seeds.host" "$work/seeds.image" >&2 ||
  fail "/srv/newsmeta/seeds in the image differs from seeds/"
echo "ok    /srv/newsmeta/seeds holds seeds/ ($(wc -l <"$work/seeds.host") files)"
if in_image sh -c 'touch /srv/newsmeta/seeds/x' 2>/dev/null; then
  fail "the server's user can write to the seeds"
fi
echo "ok    the seeds are read-only for uid $uid"

# Starts the image's ENTRYPOINT in the working container, with `buildah run`
# options "$@" (a volume, say). The flags added after the ENTRYPOINT win:
# loopback and free ports (the server says which), as the host's network is
# shared. Waits for health SERVING; sets server_pid, target and metrics_url.
start_server() {
  : >"$work/server.log"
  bah run --isolation chroot --network host "$@" "$container" -- \
    "${entrypoint[@]}" --host=127.0.0.1 --port=0 --metrics_port=0 \
    --drain_delay=0s --shutdown_grace=5s >"$work/server.log" 2>&1 &
  server_pid=$!
  local port= metrics_port= health=
  for _ in $(seq 300); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/server.log")
    [[ -n "$port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited at start"
    sleep 0.1
  done
  [[ -n "$port" ]] || fail "the server never said which port it listens on"
  target=127.0.0.1:$port
  metrics_port=$(sed -n 's|.*metrics on http://127\.0\.0\.1:\([0-9][0-9]*\)/metrics.*|\1|p' "$work/server.log")
  [[ -n "$metrics_port" ]] || fail "the server did not say where its metrics are"
  metrics_url=http://127.0.0.1:$metrics_port/metrics
  echo "server listening on $target, metrics on $metrics_url"
  for _ in $(seq 100); do
    health=$(client health 2>&1) && [[ "$health" == SERVING ]] && break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited while loading"
    sleep 0.2
  done
  [[ "$health" == SERVING ]] || fail "health is not SERVING: $health"
  [[ "$(client health --service newsmeta.v1.ArticleService)" == SERVING ]] ||
    fail "newsmeta.v1.ArticleService is not SERVING"
  echo "ok    health: SERVING"
}

# SIGTERM to the server itself, as a container engine sends STOPSIGNAL
# (`buildah run` would kill it); `buildah run` then ends with its exit code.
stop_server() {
  local pid stop_code=0
  pid=$(server_process "$server_pid")
  [[ -n "$pid" ]] || fail "no newsmeta-server process under buildah run"
  kill -TERM "$pid"
  timeout 20 tail --pid="$server_pid" -f /dev/null || fail "the server did not stop within 20s"
  wait "$server_pid" || stop_code=$?
  server_pid=
  [[ $stop_code -eq 0 ]] || fail "the server exited with code $stop_code after SIGTERM"
  grep -q stopped "$work/server.log" || fail "the server log does not say it stopped"
  echo "ok    SIGTERM: stopped, exit code 0"
}

client() { timeout 20 "$client_bin" --target "$target" --timeout 10s "$@"; }

# Checks that the server serves exactly the articles of the seed folder $1:
# list --all returns their names and titles, and get finds each by name.
expect_articles() {
  # Each seed's name (the first 16 hex digits of the SHA-256 of originalUrl,
  # else webUrl) and title, as the seed file says.
  "$py" - "$1" >"$work/expected.tsv" <<'PY' || fail "cannot read the seeds in $1"
import hashlib, pathlib, sys, yaml
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*")):
    if not path.is_file() or path.name.startswith("."):
        continue
    front = path.read_text(encoding="utf-8-sig").split("\n---", 1)[0]
    seed = yaml.safe_load(front.removeprefix("---\n"))
    url = seed.get("originalUrl") or seed["webUrl"]
    name = "articles/" + hashlib.sha256(url.encode()).hexdigest()[:16]
    print(f"{name}\t{seed['title']}")
PY
  [[ -s "$work/expected.tsv" ]] || fail "$1 has no seed"
  client list --all --json >"$work/list.json" 2>"$work/list.err" ||
    fail "list failed: $(cat "$work/list.err")"
  "$py" - "$work/list.json" "$work/expected.tsv" <<'PY' || fail "list does not return the seed articles"
import json, sys
got = sorted((a["name"], a["title"]) for a in map(json.loads, open(sys.argv[1])))
want = sorted(tuple(line.rstrip("\n").split("\t", 1)) for line in open(sys.argv[2]))
if got != want:
    print(f"list returned {got}\nthe seeds hold {want}", file=sys.stderr)
    sys.exit(1)
print(f"ok    list --all: the {len(got)} seed articles, names and titles")
PY
  local name title got out
  while IFS=$'\t' read -r name title; do
    out=$(client get "$name" --json) || fail "get $name failed"
    got=$("$py" -c 'import json, sys; print(json.loads(sys.stdin.read())["title"])' <<<"$out")
    [[ "$got" == "$title" ]] || fail "get $name: title \"$got\", the seed says \"$title\""
    echo "ok    get $name: $title"
  done <"$work/expected.tsv"
  # The metrics endpoint (cpp-httplib) counts the same articles.
  local count
  count=$(curl -fsS --max-time 10 "$metrics_url" | sed -n 's/^newsmeta_catalog_articles \([0-9]*\)$/\1/p') ||
    fail "GET $metrics_url failed"
  [[ "$count" == "$(wc -l <"$work/expected.tsv")" ]] ||
    fail "$metrics_url says newsmeta_catalog_articles ${count:-(none)}"
  echo "ok    GET /metrics: newsmeta_catalog_articles $count"
}

step "the server in the image, the client from the host"
start_server
expect_articles seeds
stop_server

step "seeds from a volume mounted over /srv/newsmeta/seeds"
# Another article: the seed with its own URL and title, in a folder readable
# by the image's uid, as a real volume must be.
mkdir -p "$work/volume"
sed -e 's/^title: .*/title: "Seeds from a mounted volume"/' \
    -e 's#^originalUrl: .*#originalUrl: "https://example.org/newsmeta/volume-check"#' \
    -e 's#^webUrl: .*#webUrl: "https://example.org/newsmeta/volume-check"#' \
    seeds/000_ff08d452a17705a5.txt >"$work/volume/volume-check.txt"
chmod -R a+rX "$work/volume"
start_server --volume "$work/volume:/srv/newsmeta/seeds:ro"
expect_articles "$work/volume"
stop_server

step "size"
bah images --format '{{.Name}}:{{.Tag}}  {{.Size}}' "$image"
size=$(pod image inspect --format '{{.Size}}' "$image")
echo "runtime image $image: $((size / 1000000)) MB ($size bytes)"
[[ -z "${build_seconds:-}" ]] || echo "built in ${build_seconds}s"
echo "cache $cache: $(du -sh "$cache" | cut -f1)"

echo
echo "test-image: PASS in $((SECONDS - started))s"
