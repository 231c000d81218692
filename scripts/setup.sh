#!/usr/bin/env bash
# Installs the Debian 12 packages asyncfetch needs to build, test and demo (only what is missing).
#
#   scripts/setup.sh                 the packages to build, test and demo
#   scripts/setup.sh PACKAGE...      those and more (check.sh: the clang tools; bench.sh: the peers)
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config
    libboost1.81-dev libboost-url1.81-dev libboost-json1.81-dev
    libssl-dev libcli11-dev libgtest-dev zlib1g-dev libbrotli-dev libnghttp2-dev libc-ares-dev libidn2-dev libpsl-dev
    nginx-light nghttp2-server ca-certificates groff-base nftables
    librsvg2-bin libxml2-utils parallel lld
    "$@"
)
# node and npm for the --har tests' har-validator; a node from elsewhere (NodeSource bundles npm, and its
# nodejs conflicts with Debian's npm) is kept.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The --har tests validate archives with har-validator (tests/support/validate_har.js), kept under tests/.npm.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ ! -d "$root/tests/.npm/node_modules/har-validator" ]; then
    echo "setup: installing har-validator into tests/.npm" >&2
    npm install --prefix "$root/tests/.npm" --no-audit --no-fund har-validator@5.1.5
fi
