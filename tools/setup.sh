#!/usr/bin/env bash
# Installs the Debian packages newsmeta needs to build and test, when missing.
# Uses sudo only when not run as root. Safe to run again: it installs nothing
# when everything is there.
set -euo pipefail

packages=(
  g++ make cmake pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libgrpc++-dev libabsl-dev libyaml-cpp-dev libssl-dev libgtest-dev
  libcpp-httplib-dev libbenchmark-dev libsqlite3-dev libxxhash-dev
  python3 python3-grpcio python3-protobuf
)

# Node.js and npm fetch the npm tools (tools/package.json); Debian's packages
# serve when the machine has none of its own.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# npm packages, exactly as locked, for each package.json of the project
# (tools/ and client/node/); again only when a lock changed.
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$root/tools" "$root/client/node"; do
  [[ -f "$dir/package-lock.json" ]] || continue
  stamp="$dir/node_modules/.newsmeta-lock"
  if ! cmp -s "$dir/package-lock.json" "$stamp" 2>/dev/null; then
    echo "setup: npm ci in ${dir#"$root"/}" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$dir/package-lock.json" "$stamp"
  fi
done
