#!/usr/bin/env bash
# Draws docs/waterfall-large.svg: 500 URLs with random delays (10-400 ms, fixed seed) against the
# testbed at -j 50, too many for one row each, so the picture shows requests in flight and latencies.
#
#   scripts/waterfall_large.sh [BUILD_DIR]     (default build; asyncfetch and asyncfetch-testbed built)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

fifo=$(mktemp -u)
mkfifo "$fifo"
"$build_dir/asyncfetch-testbed" --port 0 >"$fifo" &
testbed_pid=$!
trap 'kill "$testbed_pid" 2>/dev/null; wait "$testbed_pid" 2>/dev/null; rm -f "$fifo"' EXIT
read -r base <"$fifo"

RANDOM=16
for i in $(seq 1 500); do
    echo "$base/delay/$((10 + RANDOM % 391))?n=$i"
done | "$build_dir/asyncfetch" -q -j 50 --waterfall docs/waterfall-large.svg >/dev/null
echo "wrote docs/waterfall-large.svg"
