#!/usr/bin/env bash
# Benchmarks asyncfetch against wget2, curl --parallel and Python aiohttp on loopback (nginx and
# asyncfetch-testbed), paired and repeated with hyperfine, with peak memory from /usr/bin/time.
# Prints one table and writes docs/benchmarks.md and docs/benchmarks.svg. A benchmark, not a test:
# never run by ctest or CI.
#
#   scripts/bench.sh                    every workload (about 10 minutes on a quiet 2-core machine)
#   scripts/bench.sh 'small-http$|big'  only the workloads whose name matches this (unanchored) regex
#
# Workloads: small-http small-https small-h2 delay hosts big many one version micro profile.
# Tools: asyncfetch, wget2, curl --parallel, aiohttp, and h2load --h1 (nghttp2-client) on small-http.
# Results of earlier runs stay in $BENCH_RESULTS, so a filtered rerun updates its rows and keeps the rest.
#
# Environment:
#   BUILD_DIR          build directory (default build-bench, Release)
#   BENCH_REV          benchmark this committed revision (exported with git archive) instead of the
#                      working tree; the harness (bench/, this script) is always the working tree's
#   BENCH_RUNS         paired rounds for small-http, small-https and big (default 10)
#   BENCH_DELAY_RUNS   paired rounds for delay (default 5)
#   BENCH_MANY_RUNS    paired rounds for many (default 3)
#   BENCH_JOBS         concurrency for every tool (default 64)
#   BENCH_MAX_BUSY     each round (and each other workload) starts once other processes use at most this %
#                      of the CPUs over one second (default 15): other engineers' builds skew timings
#   BENCH_QUIET_WAIT   seconds to wait for that before starting anyway (default 300)
#   BENCH_RETRIES      rounds per workload measured again because other processes used more than
#                      BENCH_MAX_BUSY % of the CPUs while they ran (default 10)
#   BENCH_RESULTS      raw results (default $BUILD_DIR/bench-results)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

filter=${1:-.}
build_dir=${BUILD_DIR:-build-bench}
runs=${BENCH_RUNS:-10}
delay_runs=${BENCH_DELAY_RUNS:-5}
many_runs=${BENCH_MANY_RUNS:-3}
jobs=${BENCH_JOBS:-64}
max_busy=${BENCH_MAX_BUSY:-15}
quiet_wait=${BENCH_QUIET_WAIT:-300}
max_retries=${BENCH_RETRIES:-10}
results=${BENCH_RESULTS:-$build_dir/bench-results}
python=/usr/bin/python3  # Debian's, which has python3-aiohttp (a pyenv or venv python may not)
all_workloads=(small-http small-https small-h2 relay delay hosts big many one version micro profile)

selected=()
for w in "${all_workloads[@]}"; do
    if [[ $w =~ $filter ]]; then selected+=("$w"); fi
done
if ((${#selected[@]} == 0)); then
    echo "bench: no workload matches '$filter' (workloads: ${all_workloads[*]})" >&2
    exit 2
fi
wants() { [[ " ${selected[*]} " == *" $1 "* ]]; }
log() { printf '\n== %s\n' "$*" >&2; }
bench_start=$(date +%s)

# ---------------------------------------------------------------------------------------------------
log "packages"
scripts/setup.sh wget2 curl python3-aiohttp hyperfine gnuplot-nox nginx-light openssl time \
    libbenchmark-dev valgrind linux-perf strace nghttp2-client

# ---------------------------------------------------------------------------------------------------
log "build (Release, with -g for the profiler; same code as without)"
mkdir -p "$build_dir"
build_dir=$(cd "$build_dir" && pwd)
results=$(mkdir -p "$results" && cd "$results" && pwd)
if [ -n "${BENCH_REV:-}" ]; then
    rev=$(git rev-parse --short "$BENCH_REV")
    src="$build_dir/rev-$rev/src"
    bin="$build_dir/rev-$rev/build"
    rm -rf "$src" && mkdir -p "$src"
    git archive "$rev" | tar -x -C "$src"
    rm -rf "$src/bench" && cp -r bench "$src/bench"
    if ! grep -q ASYNCFETCH_BUILD_BENCH "$src/CMakeLists.txt"; then
        printf '\noption(ASYNCFETCH_BUILD_BENCH "" OFF)\nif(ASYNCFETCH_BUILD_BENCH)\n    add_subdirectory(bench)\nendif()\n' \
            >>"$src/CMakeLists.txt"
    fi
    describe="$rev"
else
    src=$repo
    bin=$build_dir
    describe="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src include tools CMakeLists.txt || echo '+working-tree')"
fi
cmake -S "$src" -B "$bin" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-g \
    -DASYNCFETCH_BUILD_TESTS=OFF -DASYNCFETCH_BUILD_BENCH=ON >&2
cmake --build "$bin" -j "$(nproc)" --target asyncfetch asyncfetch-testbed micro_bench >&2
af="$bin/asyncfetch"
testbed_bin="$bin/asyncfetch-testbed"

# ---------------------------------------------------------------------------------------------------
log "data, CA and servers"
work=$(mktemp -d /tmp/asyncfetch-bench.XXXXXX)
nginx_pid=""
testbed_pid=""
relay_pid=""
dns_pid=""
cleanup()
{
    [ -z "$nginx_pid" ] || kill "$nginx_pid" 2>/dev/null || true
    [ -z "$dns_pid" ] || kill "$dns_pid" 2>/dev/null || true
    [ -z "$testbed_pid" ] || kill "$testbed_pid" 2>/dev/null || true
    [ -z "$relay_pid" ] || kill "$relay_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$python" bench/make_data.py "$work"

# A CA and a server certificate it signs, for 127.0.0.1 and localhost.
mkdir -p "$work/tls"
(
    cd "$work/tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=asyncfetch bench CA" -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf \
        -out server.pem 2>/dev/null
    openssl verify -CAfile ca.pem server.pem >/dev/null
)
ca="$work/tls/ca.pem"

read -r http_port https_port h2_port < <("$python" -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

# nginx as a foreground child with its own prefix: one worker, keep-alive; HTTP/1.1 on the http and
# https ports, HTTP/2 (ALPN h2) on a third.
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
$user_line
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    default_type application/octet-stream;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$http_port;
        listen 127.0.0.1:$https_port ssl;
        listen 127.0.0.1:$h2_port ssl http2;
        http2_max_concurrent_streams 128;
        ssl_certificate $work/tls/server.pem;
        ssl_certificate_key $work/tls/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $work/www;
    }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" &
nginx_pid=$!
http_base="http://127.0.0.1:$http_port"
https_base="https://127.0.0.1:$https_port"
h2_base="https://127.0.0.1:$h2_port"
for _ in $(seq 50); do
    curl -sf -o /dev/null "$http_base/small/00000.bin" && break
    sleep 0.1
done
curl -sf -o /dev/null "$http_base/small/00000.bin" || { echo "bench: nginx did not start" >&2; exit 1; }

# Waits up to 5 s for a server started in the background to print its first line into FILE.
wait_for_output()  # file
{
    local _
    for _ in $(seq 50); do
        [ -s "$1" ] && return 0
        sleep 0.1
    done
}

# The testbed answers /delay/MS, which nginx cannot.
"$testbed_bin" --port 0 >"$work/testbed.out" &
testbed_pid=$!
wait_for_output "$work/testbed.out"
read -r delay_base <"$work/testbed.out"

# URL lists (every URL distinct: wget2 skips a URL it has fetched before) and curl -K configs.
small_count=$(find "$work/www/small" -type f | wc -l)
url_list()  # base count suffix
{
    local i
    for ((i = 0; i < $2; i++)); do printf '%s/small/%05d.bin%s\n' "$1" "$i" "$3"; done
}
url_list "$http_base" "$small_count" "" >"$work/small-http.txt"
url_list "$https_base" "$small_count" "" >"$work/small-https.txt"
url_list "$h2_base" "$small_count" "" >"$work/small-h2.txt"
for ((i = 0; i < 1000; i++)); do echo "$delay_base/delay/100?n=$i"; done >"$work/delay.txt"
echo "$http_base/big.bin" >"$work/big.txt"
for ((r = 0; r < 10; r++)); do sed "s/\$/?r=$r/" "$work/small-http.txt"; done >"$work/many.txt"
for f in small-http small-https small-h2 delay big many; do
    awk '{ print "url = \"" $0 "\"\noutput = \"/dev/null\"" }' "$work/$f.txt" >"$work/$f.curl"
done

# ---------------------------------------------------------------------------------------------------
# Measurement helpers.

clk_tck=$(getconf CLK_TCK)

# CPU jiffies: all CPUs busy, and the servers (nginx worker + testbed) busy.
cpu_snapshot()
{
    local busy server=0 p f
    busy=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat)
    for p in $(pgrep -P "$nginx_pid") "$testbed_pid"; do
        f=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
        server=$((server + f))
    done
    echo "$busy $server"
}

# Percent of all CPUs busy over one second.
busy_percent()
{
    local a b
    read -r a _ < <(cpu_snapshot)
    sleep 1
    read -r b _ < <(cpu_snapshot)
    echo $(((b - a) * 100 / (clk_tck * $(nproc))))
}

# Waits until other processes leave the machine alone (compilers of other engineers, mostly), and
# appends the last busy reading to FILE. Called before every workload and every round.
wait_quiet()
{
    local deadline=$(($(date +%s) + quiet_wait)) busy said=""
    while busy=$(busy_percent) && ((busy > max_busy)); do
        if (($(date +%s) >= deadline)); then
            echo "bench: machine still ${busy}% busy after ${quiet_wait}s; measuring anyway" >&2
            break
        fi
        [ -n "$said" ] || echo "bench: machine ${busy}% busy; waiting for it to settle" >&2
        said=1
        sleep 2
    done
    echo "$busy" >>"$1"
}

declare -A cmd
tools=()

# run_rounds WORKLOAD ROUNDS WARMUP: runs every tool in $tools once per round, in a rotated order,
# each under /usr/bin/time for its peak RSS; round 0 is a warm-up that is kept apart.
run_rounds()
{
    local w=$1 rounds=$2 warmup=$3 dir="$results/$1" r i t n=${#tools[@]}
    rm -rf "$dir" && mkdir -p "$dir"
    printf '%s\n' "${tools[@]}" >"$dir/tools.txt"
    echo "$describe $(date -u '+%Y-%m-%d %H:%M UTC')" >"$dir/revision.txt"
    for t in "${tools[@]}"; do echo "$t: ${cmd[$t]}" >>"$dir/commands.txt"; done
    local retries=0 foreign
    r=$((1 - warmup))
    while ((r <= rounds)); do
        local args=()
        for ((i = 0; i < n; i++)); do
            t=${tools[$(((i + r + n) % n))]}
            args+=(-n "$t" "/usr/bin/time -f %M -o $dir/rss-$t-$r.txt ${cmd[$t]}")
        done
        local before after
        wait_quiet "$dir/busy_before.txt"
        before=$(cpu_snapshot)
        hyperfine -N -i --runs 1 --style none --export-json "$dir/round-$r.json" "${args[@]}" >/dev/null
        after=$(cpu_snapshot)
        echo "$before $after" >"$dir/cpu-$r.txt"
        printf '  %s round %d/%d:' "$w" "$r" "$rounds" >&2
        foreign=$("$python" bench/report.py --round "$dir" "$r")
        # A round during which other processes took a share of the CPUs is measured again.
        if ((r >= 1 && foreign > max_busy && retries < max_retries)); then
            echo "  other processes used ${foreign}% of the CPUs during that round: measuring it again" >&2
            mkdir -p "$dir/rejected"
            mv "$dir/round-$r.json" "$dir/rejected/round-$r-$retries.json"
            mv "$dir/cpu-$r.txt" "$dir/rejected/cpu-$r-$retries.txt"
            rm -f "$dir"/rss-*-"$r".txt
            retries=$((retries + 1))
            continue
        fi
        r=$((r + 1))
    done
}

# ---------------------------------------------------------------------------------------------------
# Workloads. Every tool gets the same URLs, the same concurrency and discards the bodies.

peer_cmds()  # list-name [cacert]
{
    local list=$1 cacert=${2:-}
    cmd[asyncfetch]="$af -q -j $jobs --format tsv ${cacert:+--cacert $cacert} -i $work/$list.txt"
    cmd[wget2]="wget2 --max-threads=$jobs -q -O /dev/null --no-robots ${cacert:+--ca-certificate=$cacert} -i $work/$list.txt"
    cmd[curl]="curl --parallel --parallel-immediate --parallel-max $jobs -s --no-progress-meter ${cacert:+--cacert $cacert} -K $work/$list.curl"
    cmd[aiohttp]="$python $repo/bench/aiohttp_fetch.py -j $jobs ${cacert:+--cacert $cacert} $work/$list.txt"
    tools=(asyncfetch wget2 curl aiohttp)
}

if wants small-http; then
    log "small-http: $small_count files of 0.5-1.5 KB from nginx over HTTP, -j $jobs"
    peer_cmds small-http
    # The reference benchmark client, over HTTP/1.1 with as many connections: it does less per
    # request than the others (no records, no per-URL state), so its CPU time is the floor to beat.
    cmd[h2load]="h2load --h1 -c $jobs -n $small_count -i $work/small-http.txt"
    tools+=(h2load)
    run_rounds small-http "$runs" 1
fi

if wants small-https; then
    log "small-https: the same over HTTPS (HTTP/1.1)"
    peer_cmds small-https "$ca"
    run_rounds small-https "$runs" 1
fi

if wants small-h2; then
    log "small-h2: the same over HTTPS with HTTP/2 (nginx http2), -j $jobs, each peer multiplexing"
    peer_cmds small-h2 "$ca"
    # wget2 and curl speak HTTP/2 by ALPN by default; h2load on one connection is the reference.
    cmd[h2load]="h2load -c 1 -m $jobs -n $small_count -i $work/small-h2.txt"
    tools+=(h2load)
    run_rounds small-h2 "$runs" 1
fi

if wants relay; then
    log "relay: 2,000 small files over HTTPS through a relay adding 10 ms each way (a 20 ms round trip), -j $jobs"
    # Loopback has no round trips and the kernels here no netem: bench/delay_relay.py delays every
    # chunk by 10 ms each way in front of nginx's HTTP/2 port (which also speaks HTTP/1.1 by ALPN).
    "$python" bench/delay_relay.py --upstream "127.0.0.1:$h2_port" --delay-ms 10 >"$work/relay.out" &
    relay_pid=$!
    wait_for_output "$work/relay.out"
    read -r relay_port <"$work/relay.out"
    url_list "https://127.0.0.1:$relay_port" 2000 "" >"$work/relay.txt"
    awk '{ print "url = \"" $0 "\"\noutput = \"/dev/null\"" }' "$work/relay.txt" >"$work/relay.curl"
    peer_cmds relay "$ca"
    cmd[asyncfetch-h1]="${cmd[asyncfetch]} --http1.1"
    tools=(asyncfetch asyncfetch-h1 curl wget2)
    run_rounds relay "$runs" 1
    kill "$relay_pid" 2>/dev/null || true
    relay_pid=
fi

if wants delay; then
    log "delay: 1,000 URLs answering after 100 ms (asyncfetch-testbed), -j $jobs"
    peer_cmds delay
    run_rounds delay "$delay_runs" 1
fi

if wants hosts; then
    log "hosts: 1,000 URLs on 1,000 host names (nginx), each name answered after 50 ms by bench/fake_dns.py, -j $jobs"
    if [ "$(id -u)" -ne 0 ] || ! unshare -m true 2>/dev/null; then
        echo "bench: hosts needs root (DNS on 127.0.0.1:53, a mount namespace for /etc/resolv.conf); skipped" >&2
    else
        "$python" bench/fake_dns.py --port 53 --delay-ms 50 >"$work/dns.out" &
        dns_pid=$!
        wait_for_output "$work/dns.out"
        printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' >"$work/resolv.conf"
        for ((i = 0; i < 1000; i++)); do
            printf 'http://h%d.bench.test:%s/small/%05d.bin\n' "$i" "$http_port" "$i"
        done >"$work/hosts.txt"
        awk '{ print "url = \"" $0 "\"\noutput = \"/dev/null\"" }' "$work/hosts.txt" >"$work/hosts.curl"
        # The system resolver's tools see /etc/resolv.conf pointing at the fake server, in a private
        # mount namespace of their own.
        sysres="unshare -m sh -c 'mount --bind $work/resolv.conf /etc/resolv.conf && exec \"\$0\" \"\$@\"'"
        peer_cmds hosts
        cmd[asyncfetch]="$af -q -j $jobs --format tsv --dns-servers 127.0.0.1:53 -i $work/hosts.txt"
        cmd[asyncfetch-sysres]="$sysres $af -q -j $jobs --format tsv -i $work/hosts.txt"
        cmd[curl]="$sysres ${cmd[curl]}"
        cmd[wget2]="$sysres ${cmd[wget2]}"
        tools=(asyncfetch asyncfetch-sysres curl wget2)
        run_rounds hosts "$delay_runs" 1
        kill "$dns_pid" 2>/dev/null || true
        dns_pid=""
    fi
fi

if wants big; then
    log "big: one 100 MiB body from nginx"
    peer_cmds big
    cmd[asyncfetch]="$af -q --format tsv $http_base/big.bin"
    cmd[wget2]="wget2 -q -O /dev/null --no-robots $http_base/big.bin"
    cmd[curl]="curl -s --no-progress-meter -o /dev/null $http_base/big.bin"
    run_rounds big "$runs" 1
fi

if wants many; then
    log "many: 100,000 URLs in one run (nginx, HTTP), -j $jobs"
    peer_cmds many
    run_rounds many "$many_runs" 0
fi

if wants one; then
    log "one: a single small URL (start-up, setup and one request)"
    dir="$results/one"
    rm -rf "$dir" && mkdir -p "$dir"
    echo "$describe $(date -u '+%Y-%m-%d %H:%M UTC')" >"$dir/revision.txt"
    url="$http_base/small/00001.bin"
    echo "$url" >"$work/one.txt"
    wait_quiet "$dir/busy_before.txt"
    hyperfine -N --warmup 3 --runs 30 --style basic --export-json "$dir/hyperfine.json" \
        -n asyncfetch "$af -q --format tsv $url" -n wget2 "wget2 -q -O /dev/null --no-robots $url" \
        -n curl "curl -s --no-progress-meter -o /dev/null $url" \
        -n aiohttp "$python $repo/bench/aiohttp_fetch.py $work/one.txt" >&2
    /usr/bin/time -f %M -o "$dir/rss-asyncfetch-1.txt" "$af" -q --format tsv "$url" >/dev/null
    /usr/bin/time -f %M -o "$dir/rss-wget2-1.txt" wget2 -q -O /dev/null --no-robots "$url"
    /usr/bin/time -f %M -o "$dir/rss-curl-1.txt" curl -s --no-progress-meter -o /dev/null "$url"
    /usr/bin/time -f %M -o "$dir/rss-aiohttp-1.txt" "$python" bench/aiohttp_fetch.py "$work/one.txt"
fi

if wants version; then
    log "version: process start-up"
    dir="$results/version"
    rm -rf "$dir" && mkdir -p "$dir"
    echo "$describe $(date -u '+%Y-%m-%d %H:%M UTC')" >"$dir/revision.txt"
    wait_quiet "$dir/busy_before.txt"
    hyperfine -N --warmup 20 --runs 300 --style basic --export-json "$dir/hyperfine.json" \
        -n asyncfetch "$af --version" -n wget2 "wget2 --version" -n curl "curl --version" >&2
    for t in asyncfetch wget2 curl; do
        exe=$af
        [ "$t" = asyncfetch ] || exe=$t
        /usr/bin/time -f %M -o "$dir/rss-$t-1.txt" "$exe" --version >/dev/null
    done
fi

if wants micro; then
    log "micro: Google Benchmark (URL parsing, formatting, allocations per request)"
    dir="$results/micro"
    rm -rf "$dir" && mkdir -p "$dir"
    echo "$describe $(date -u '+%Y-%m-%d %H:%M UTC')" >"$dir/revision.txt"
    wait_quiet "$dir/busy_before.txt"
    "$bin/bench/micro_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
        --benchmark_out="$dir/micro.json" --benchmark_out_format=json | tee "$dir/micro.txt" >&2
fi

if wants profile; then
    log "profile: perf (cpu-clock samples), callgrind, syscall counts"
    dir="$results/profile"
    rm -rf "$dir" && mkdir -p "$dir"
    echo "$describe $(date -u '+%Y-%m-%d %H:%M UTC')" >"$dir/revision.txt"
    head -n 2000 "$work/small-http.txt" >"$work/small-2000.txt"
    head -n 2000 "$work/small-https.txt" >"$work/small-https-2000.txt"
    wait_quiet "$dir/busy_before.txt"
    # Hardware counters are not available in most VMs; the cpu-clock software event always is.
    if perf stat -e cpu-clock true >/dev/null 2>&1; then
        for p in "small-http:-j $jobs -i $work/small-http.txt" "small-https:-j $jobs --cacert $ca -i $work/small-https.txt" \
            "big:$http_base/big.bin"; do
            name=${p%%:*}
            # shellcheck disable=SC2086
            perf record -q -e cpu-clock -F 4999 --call-graph dwarf,16384 -o "$dir/perf-$name.data" \
                "$af" -q --format tsv ${p#*:} >/dev/null 2>"$dir/perf-$name.log" || true
            perf report -i "$dir/perf-$name.data" --stdio --no-children --sort dso -g none >"$dir/perf-$name-dso.txt" 2>/dev/null || true
            perf report -i "$dir/perf-$name.data" --stdio --no-children --sort dso,sym -g none \
                --percent-limit 0.7 >"$dir/perf-$name-self.txt" 2>/dev/null || true
            perf report -i "$dir/perf-$name.data" --stdio --children --sort sym -g none \
                --percent-limit 3 >"$dir/perf-$name-children.txt" 2>/dev/null || true
            rm -f "$dir/perf-$name.data"
        done
    else
        echo "bench: perf does not work here; callgrind only" >&2
    fi
    for p in "small-http:-j $jobs -i $work/small-2000.txt" "small-https:-j $jobs --cacert $ca -i $work/small-https-2000.txt"; do
        name=${p%%:*}
        # shellcheck disable=SC2086
        valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind-$name.out" \
            "$af" -q --format tsv -m 600 ${p#*:} >/dev/null 2>"$dir/callgrind-$name.log" ||
            echo "bench: callgrind run failed ($name)" >&2
        callgrind_annotate --inclusive=yes --threshold=99 "$dir/callgrind-$name.out" \
            >"$dir/callgrind-$name-inclusive.txt" 2>/dev/null || true
        callgrind_annotate --threshold=95 "$dir/callgrind-$name.out" >"$dir/callgrind-$name-self.txt" 2>/dev/null || true
        callgrind_annotate --tree=caller --threshold=100 "$dir/callgrind-$name.out" \
            >"$dir/callgrind-$name-callers.txt" 2>/dev/null || true
    done
    # Syscalls per request: exact counts. strace slows every system call down a lot, so its times are
    # not used, and the request deadline is raised for the 100 MiB body (600,000 system calls).
    strace -c -f -o "$dir/strace-small-http.txt" "$af" -q --format tsv -m 600 -j "$jobs" \
        -i "$work/small-http.txt" >/dev/null || echo "bench: strace run failed (small-http)" >&2
    strace -c -f -o "$dir/strace-big.txt" "$af" -q --format tsv -m 600 "$http_base/big.bin" >/dev/null ||
        echo "bench: strace run failed (big)" >&2
    echo "$small_count" >"$dir/small-count.txt"
fi

# ---------------------------------------------------------------------------------------------------
elapsed=$(($(date +%s) - bench_start))
# How much of the link's function order (CMakeLists.txt, ASYNCFETCH_ORDER_FUNCTIONS) the code still
# has: functions renamed or added since scripts/hot-functions.sh last ran are placed as if unlisted.
if grep -q 'ASYNCFETCH_ORDER_FUNCTIONS:BOOL=ON' "$bin/CMakeCache.txt" 2>/dev/null; then
    listed=$(grep -v '^#' "$src/cmake/hot-functions.txt" | sort -u)
    found=$(comm -12 <(echo "$listed") <(nm --defined-only "$af" | awk '{ print $3 }' | sort -u) | wc -l)
    order="function order: $found of $(echo "$listed" | wc -l) functions in cmake/hot-functions.txt are in the executable"
else
    order="function order: off (no ld.lld, or ASYNCFETCH_ORDER_FUNCTIONS=OFF)"
fi
# shellcheck disable=SC1091
cat >"$results/environment.txt" <<EOF
machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME")
compiler: $(g++ --version | head -1)
peers: $(wget2 --version | head -1 | sed 's/ - .*//'), $(curl --version | head -1 | cut -d' ' -f1-2), aiohttp $("$python" -c 'import aiohttp; print(aiohttp.__version__)') on Python $("$python" -c 'import platform; print(platform.python_version())'), nginx $(nginx -v 2>&1 | sed 's|.*/||'), hyperfine $(hyperfine --version | cut -d' ' -f2)
jobs: $jobs
$order
EOF
echo "$(date -u '+%Y-%m-%d %H:%M UTC'): scripts/bench.sh ${1:-(all workloads)} on asyncfetch $describe: ${selected[*]} in ${elapsed} s" \
    >>"$results/runs.log"
log "report"
"$python" bench/report.py "$results" docs/benchmarks.md docs/benchmarks.svg
echo "bench: done in ${elapsed} s" >&2
