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
    librsvg2-bin libxml2-utils
    "$@"
)

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
