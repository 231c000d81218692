#!/usr/bin/env bash
# The README's sharding recipe, locally: 10,000 testbed URLs split by GNU parallel --pipe over four
# asyncfetch processes, their NDJSON records merged by `asyncfetch report`. The merged counts, bytes,
# status and error histograms equal one single run's over the same list, and its percentiles equal
# those computed here from the shards' records (sort and interpolate, as NumPy) within the latency
# histogram's precision (0.2%) and the records' rounding (1 us).
#
# usage: tests/shard_test.sh PATH/TO/asyncfetch PATH/TO/asyncfetch-testbed
# Registered with ctest by tests/CMakeLists.txt; status 77 (skipped) without GNU parallel.
set -u -o pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 PATH/TO/asyncfetch PATH/TO/asyncfetch-testbed" >&2
    exit 2
fi
bin=$1
testbed=$2
if ! command -v parallel >/dev/null 2>&1; then
    echo "SKIP: GNU parallel is not installed (scripts/setup.sh installs the Debian package parallel)"
    exit 77
fi

work=$(mktemp -d)
testbed_pid=
cleanup() {
    [[ -n $testbed_pid ]] && kill "$testbed_pid" 2>/dev/null && wait "$testbed_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

"$testbed" >"$work/testbed.out" 2>"$work/testbed.err" &
testbed_pid=$!
for _ in $(seq 100); do
    [[ -s $work/testbed.out ]] && break
    sleep 0.05
done
base=$(head -n 1 "$work/testbed.out")
if [[ $base != http://127.0.0.1:* ]]; then
    echo "FAIL: the testbed did not start: $(cat "$work/testbed.err")" >&2
    exit 1
fi

# Sizes, statuses and a few refused connections (port 1), so every histogram has several entries.
awk -v base="$base" 'BEGIN {
    for (i = 0; i < 10000; i++) {
        if (i % 1000 == 999) print "http://127.0.0.1:1/" i
        else if (i % 25 == 0) print base "/status/503"
        else if (i % 10 == 0) print base "/status/404"
        else print base "/bytes/" (i % 700)
    }
}' >"$work/urls.txt"

start=$(date +%s.%N)
"$bin" -q -i "$work/urls.txt" --json >"$work/single.ndjson"
# The recipe: 2,500 lines per job, four jobs at a time, every job's records and summary on stdout.
parallel --pipe -N 2500 -j 4 "$bin" -q -i - --json <"$work/urls.txt" >"$work/shards.ndjson"
end=$(date +%s.%N)

"$bin" report --json "$work/single.ndjson" >"$work/single.json" || exit 1
"$bin" report --json "$work/shards.ndjson" >"$work/merged.json" || exit 1
"$bin" report --stats "$work/shards.ndjson" >"$work/merged.txt" || exit 1

failures=0
fail() {
    echo "FAIL: $1" >&2
    failures=$((failures + 1))
}
field() { grep -o "\"$1\":[^,}]*" "$2" | head -n 1; }
object() { grep -o "\"$1\":{[^}]*}" "$2" | head -n 1; }

summaries=$(grep -c '"type":"summary"' "$work/shards.ndjson")
[[ $summaries -eq 4 ]] || fail "expected 4 shard summaries, got $summaries"
for key in count ok failed bytes; do
    [[ $(field "$key" "$work/single.json") == $(field "$key" "$work/merged.json") ]] ||
        fail "$key: single run $(field "$key" "$work/single.json"), merged $(field "$key" "$work/merged.json")"
done
[[ $(field count "$work/merged.json") == '"count":10000' ]] || fail "merged $(field count "$work/merged.json")"
for key in status_counts error_counts; do
    [[ $(object "$key" "$work/single.json") == $(object "$key" "$work/merged.json") ]] ||
        fail "$key: single run $(object "$key" "$work/single.json"), merged $(object "$key" "$work/merged.json")"
done
[[ $(field run "$work/merged.json") == '"run":"0000000000000000"' ]] || fail "merged runs: $(field run "$work/merged.json")"
grep -q '^HOST' "$work/merged.txt" || fail "report --stats printed no host table"

# Exact percentiles of the shards' records, as NumPy's default (linear between closest ranks).
grep '"type":"result"' "$work/shards.ndjson" | grep -o '"time_ms":[0-9.e+-]*' | cut -d: -f2 | sort -g >"$work/times"
for p in 50 90 99; do
    expected=$(awk -v p="$p" '{ v[NR - 1] = $1 } END {
        r = p / 100 * (NR - 1); lo = int(r); hi = lo + 1 < NR ? lo + 1 : lo
        printf "%.6f", v[lo] + (v[hi] - v[lo]) * (r - lo)
    }' "$work/times")
    got=$(grep -o "\"p$p\":[0-9.]*" "$work/merged.json" | cut -d: -f2)
    awk -v a="$expected" -v b="$got" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= a * 0.002 + 0.001) }' ||
        fail "p$p: records say $expected ms, report says $got ms"
done

echo "single run and 4 shards of 10,000 URLs in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s"
echo "merged: $(cat "$work/merged.json")"
((failures == 0)) || exit 1
echo "PASS"
