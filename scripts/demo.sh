#!/usr/bin/env bash
# The asyncio.gather lesson in C++: three URLs that each take one second, fetched one after another
# and then all at once, on the built-in test server on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

build_dir=${BUILD_DIR:-build-release}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DASYNCFETCH_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target asyncfetch asyncfetch-testbed

# Start the testbed on a free loopback port; its first line of output is its base URL.
fifo=$(mktemp -u)
mkfifo "$fifo"
"$build_dir/asyncfetch-testbed" --port 0 >"$fifo" &
testbed_pid=$!
trap 'kill "$testbed_pid" 2>/dev/null; wait "$testbed_pid" 2>/dev/null; rm -f "$fifo"' EXIT
read -r base <"$fifo"

echo "testbed: $base (each /delay/1000 answers after one second)"
echo "\$ asyncfetch --compare $base/delay/1000 $base/delay/1000?2 $base/delay/1000?3"
# The same run also draws its waterfall (both passes on one time axis) for the README.
"$build_dir/asyncfetch" --compare --format table --waterfall docs/demo-waterfall.svg \
    "$base/delay/1000" "$base/delay/1000?2" "$base/delay/1000?3"
echo "waterfall: docs/demo-waterfall.svg"
