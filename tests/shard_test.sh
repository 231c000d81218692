#!/usr/bin/env bash
# The README's sharding recipe, locally: 10,000 testbed URLs split by GNU parallel --pipe over four
# asyncfetch processes, their NDJSON records merged by `asyncfetch report`. The merged counts, bytes,
# status and error histograms equal one single run's over the same list, and its percentiles equal
# those computed here from the shards' records (sort and interpolate, as NumPy) within the latency
# histogram's precision (0.2%) and the records' rounding (1 us). Its wall time spans the shards' first
# start to their last end: no shorter than the longest shard, no longer than the parallel command, and
# its request rate is count / elapsed.
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
parallel_start=$(date +%s.%N)
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

# The merged wall time: from the first shard's start to the last one's end, as the shards' summary
# lines give them (started_at has milliseconds, elapsed_ms microseconds).
grep '"type":"summary"' "$work/shards.ndjson" >"$work/summaries"
while IFS= read -r line; do
    at=$(grep -o '"started_at":"[^"]*"' <<<"$line" | cut -d'"' -f4)
    printf '%s %s\n' "$(date -u -d "$at" +%s.%3N)" "$(grep -o '"elapsed_ms":[0-9.]*' <<<"$line" | cut -d: -f2)"
done <"$work/summaries" >"$work/spans"
merged_ms=$(field elapsed_ms "$work/merged.json" | cut -d: -f2)
merged_rps=$(field requests_per_second "$work/merged.json" | cut -d: -f2)
merged_count=$(field count "$work/merged.json" | cut -d: -f2)
longest_ms=$(awk '$2 > m { m = $2 } END { printf "%.3f", m }' "$work/spans")
span_ms=$(awk 'NR == 1 || $1 < s { s = $1 } $1 + $2 / 1000 > e { e = $1 + $2 / 1000 } END { printf "%.3f", (e - s) * 1000 }' "$work/spans")
wall_ms=$(awk -v a="$parallel_start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) * 1000 }')
[[ $(wc -l <"$work/spans") -eq 4 && -n $merged_ms && -n $merged_rps ]] ||
    fail "no elapsed_ms or requests_per_second to check: $(cat "$work/spans") / $(cat "$work/merged.json")"
awk -v m="$merged_ms" -v l="$longest_ms" 'BEGIN { exit !(m + 0.001 >= l) }' ||
    fail "merged elapsed_ms $merged_ms is shorter than the longest shard's $longest_ms"
awk -v m="$merged_ms" -v w="$wall_ms" 'BEGIN { exit !(m <= w) }' ||
    fail "merged elapsed_ms $merged_ms is longer than the parallel command's $wall_ms ms"
# started_at is rounded to the millisecond: the span from the summaries is within 1 ms per end.
awk -v m="$merged_ms" -v s="$span_ms" 'BEGIN { d = m - s; if (d < 0) d = -d; exit !(d <= 2) }' ||
    fail "merged elapsed_ms $merged_ms, but the shards span $span_ms ms from first start to last end"
awk -v r="$merged_rps" -v n="$merged_count" -v m="$merged_ms" 'BEGIN {
    e = n * 1000 / m; d = r - e; if (d < 0) d = -d; exit !(d <= 0.001 + e * 1e-6) }' ||
    fail "merged requests_per_second $merged_rps is not count $merged_count / $merged_ms ms"
echo "elapsed: longest shard $longest_ms ms, shards' span $span_ms ms, merged $merged_ms ms, parallel command $wall_ms ms"

echo "single run and 4 shards of 10,000 URLs in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s"
echo "merged: $(cat "$work/merged.json")"
((failures == 0)) || exit 1
echo "PASS"
