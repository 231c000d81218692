#!/usr/bin/env bash
# Writes cmake/hot-functions.txt: the functions asyncfetch executes in typical runs, which the link
# places first (CMakeLists.txt, ASYNCFETCH_ORDER_FUNCTIONS). Run it again when the code has moved
# on: scripts/bench.sh says how much of the list the executable still has.
#
#   scripts/hot-functions.sh       builds build-bench (Release), runs asyncfetch under callgrind
#                                  against asyncfetch-testbed, and rewrites the list
#
# Needs valgrind and python3. The runs: HTTP/1.1, https (h2 by ALPN, and --http1.1), h2c, a 20 MB
# body, --compare with the table, and --json; a function any of them executes is listed, once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh valgrind python3

build_dir=${BUILD_DIR:-build-bench}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-g \
    -DASYNCFETCH_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target asyncfetch asyncfetch-testbed >&2
af="$build_dir/asyncfetch"
tb="$build_dir/asyncfetch-testbed"

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# start_testbed NAME ARGS...: starts a testbed, its base URL in $work/NAME.url
start_testbed() {
    local name=$1
    shift
    mkfifo "$work/$name.fifo"
    "$tb" --port 0 "$@" >"$work/$name.fifo" &
    pids+=($!)
    read -r base <"$work/$name.fifo"
    echo "$base" >"$work/$name.url"
}
start_testbed plain --h2c
start_testbed tls --tls --cert-out "$work/ca.pem"
plain=$(cat "$work/plain.url")
tls=$(cat "$work/tls.url")

urls() { # urls BASE: 32 small bodies and a redirect
    for i in $(seq 1 32); do echo "$1/bytes/2000?$i"; done
    echo "$1/redirect/2"
}
urls "$plain" >"$work/plain.txt"
urls "$tls" >"$work/tls.txt"

n=0
profile() { # profile ARGS...: one asyncfetch run under callgrind
    n=$((n + 1))
    echo "hot-functions: asyncfetch $*" >&2
    valgrind -q --tool=callgrind --dump-instr=yes --dump-line=no \
        --callgrind-out-file="$work/run$n.callgrind" "$af" "$@" >/dev/null 2>&1 </dev/null
}
profile -q --format tsv -j 8 -i "$work/plain.txt"
profile -q --format tsv -j 8 --cacert "$work/ca.pem" -i "$work/tls.txt"
profile -q --json -j 8 --http1.1 --cacert "$work/ca.pem" -i "$work/tls.txt"
profile -q --format tsv -j 8 --http2-prior-knowledge -i "$work/plain.txt"
profile -q --format tsv "$plain/bytes/20000000"
profile --compare --format table -i "$work/plain.txt"

# The executed addresses inside asyncfetch, mapped to the symbols that hold them.
nm --defined-only --print-size "$af" >"$work/symbols"
python3 - "$work" "$n" >cmake/hot-functions.txt <<'EOF'
import bisect, re, sys
work, runs = sys.argv[1], int(sys.argv[2])
symbols = []
for line in open(f"{work}/symbols"):
    parts = line.split()
    if len(parts) == 4 and parts[2] in "tTwW":
        symbols.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
symbols.sort()
starts = [s[0] for s in symbols]
hot = set()
for run in range(1, runs + 1):
    names, current, address = {}, None, 0
    for line in open(f"{work}/run{run}.callgrind"):
        if line[0] in "0123456789+-*":
            token = line.split(None, 1)[0]
            if token.startswith("0x"):
                address = int(token, 16)
            elif token[0] == "+":
                address += int(token[1:])
            elif token[0] == "-":
                address -= int(token[1:])
            if current and current.endswith("/asyncfetch"):
                i = bisect.bisect_right(starts, address) - 1
                if i >= 0 and address < symbols[i][0] + symbols[i][1]:
                    hot.add(symbols[i][2])
        elif line.startswith(("ob=", "cob=")):
            m = re.match(r"c?ob=\((\d+)\)(?: (.*))?", line.strip())
            if m.group(2):
                names[m.group(1)] = m.group(2)
            if line.startswith("ob="):
                current = names.get(m.group(1))
print("# The functions asyncfetch executes in typical runs, linked first (scripts/hot-functions.sh).")
print("# Generated: do not edit by hand.")
for name in sorted(hot):
    print(name)
EOF
echo "hot-functions: $(grep -vc '^#' cmake/hot-functions.txt) functions in cmake/hot-functions.txt" >&2
