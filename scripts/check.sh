#!/usr/bin/env bash
# The slower checks CI runs after scripts/test.sh: every test under ASan and UBSan, every test under
# ThreadSanitizer, clang-format, clang-tidy, and a short run of each libFuzzer target. Installs what is
# missing first.
#
#   scripts/check.sh                     everything
#   scripts/check.sh tidy fuzz           only some parts: asan, tsan, format, tidy, fuzz
#   FUZZ_SECONDS=300 scripts/check.sh fuzz   longer fuzzing runs
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-30}
parts=("$@")
((${#parts[@]})) || parts=(asan tsan format tidy fuzz)
wanted() {
    local p
    for p in "${parts[@]}"; do
        [ "$p" = "$1" ] && return 0
    done
    return 1
}

# The build packages, and the clang tools: clang-format and clang-tidy, and clang with its sanitizer
# and libFuzzer runtimes.
scripts/setup.sh clang-14 clang-tidy-14 clang-format-14 clang-tools-14 libclang-rt-14-dev

started=$SECONDS
current_stage=""
stage_started=$SECONDS
timings=()
# Starts a named stage and records how long the previous one took.
stage() {
    if [ -n "$current_stage" ]; then
        timings+=("$(printf '%-26s %4d s' "$current_stage" $((SECONDS - stage_started)))")
    fi
    current_stage=$1
    stage_started=$SECONDS
    if [ "$1" != "done" ]; then
        echo "==> check: $1" >&2
    fi
}

# --- 1. Every test under AddressSanitizer and UndefinedBehaviorSanitizer --------------------------------
if wanted asan; then
    stage "asan: build"
    cmake --preset asan >/dev/null
    cmake --build --preset asan -j "$jobs"

    stage "asan: ctest"
    export ASAN_OPTIONS=detect_leaks=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    ctest --preset asan -j "$jobs"
fi

# --- 2. Every test under ThreadSanitizer (g++ 12; its runtime, libtsan2, comes with gcc-12) -------------
# Threads in the tests: the testbed, proxy and fault servers the integration tests start, and the thread
# that reads stdin (threaded_line_source) in the asyncfetch processes the CLI tests run.
if wanted tsan; then
    stage "tsan: build"
    cmake --preset tsan >/dev/null
    # g++ 12's TSan runtime expects the program's memory at fixed addresses and aborts at start
    # ("FATAL: ThreadSanitizer: unexpected memory mapping") when the kernel randomizes mmap with more
    # bits than the default 28 (vm.mmap_rnd_bits = 32 on some newer distributions). Then the build (test
    # discovery runs the test programs) and ctest run with ASLR off, which their children inherit.
    tsan_run=()
    tsan_probe=build-tsan/tsan-probe
    tsan_cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' build-tsan/CMakeCache.txt)
    echo 'int main() { return 0; }' | "$tsan_cxx" -x c++ -fsanitize=thread -o "$tsan_probe" -
    rnd_bits=$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)
    if ((rnd_bits > 28)) || ! "$tsan_probe" >/dev/null 2>&1; then
        if setarch "$(uname -m)" -R "$tsan_probe" >/dev/null 2>&1; then
            echo "check: vm.mmap_rnd_bits is $rnd_bits: running the TSan build and tests under setarch -R" >&2
            tsan_run=(setarch "$(uname -m)" -R)
        elif "$tsan_probe"; then
            echo "check: vm.mmap_rnd_bits is $rnd_bits and setarch -R is not allowed here:" \
                "TSan programs may fail to start (sudo sysctl vm.mmap_rnd_bits=28)" >&2
        else
            echo "check: TSan programs do not start here (vm.mmap_rnd_bits is $rnd_bits), not even with" \
                "ASLR off (setarch -R); try: sudo sysctl vm.mmap_rnd_bits=28" >&2
            exit 1
        fi
    fi
    "${tsan_run[@]}" cmake --build --preset tsan -j "$jobs"

    stage "tsan: ctest"
    export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
    "${tsan_run[@]}" ctest --preset tsan -j "$jobs"
fi

# --- 3. clang-format -------------------------------------------------------------------------------------
if wanted format; then
    # Files listed in scripts/format-pending.txt (one path a line, when the file exists) are reported but
    # do not fail the check: a way to land a large file before formatting it.
    stage "clang-format"
    mapfile -t sources < <(find include src tools tests fuzz -type f \( -name '*.cpp' -o -name '*.hpp' \) | sort)
    mapfile -t pending < <(grep -v -e '^#' -e '^[[:space:]]*$' scripts/format-pending.txt 2>/dev/null || true)
    is_pending() {
        local p
        for p in "${pending[@]}"; do
            [ "$p" = "$1" ] && return 0
        done
        return 1
    }
    unformatted=()
    for f in "${sources[@]}"; do
        if clang-format-14 --dry-run -Werror "$f" >/dev/null 2>&1; then
            if is_pending "$f"; then
                echo "check: $f is formatted now: remove it from scripts/format-pending.txt" >&2
            fi
        elif is_pending "$f"; then
            echo "check: $f is not formatted yet (listed in scripts/format-pending.txt)" >&2
        else
            unformatted+=("$f")
        fi
    done
    if ((${#unformatted[@]})); then
        clang-format-14 --dry-run -Werror "${unformatted[@]}" 2>&1 | head -n 60 >&2 || true
        echo "check: not formatted (run clang-format-14 -i on them):" >&2
        printf '  %s\n' "${unformatted[@]}" >&2
        exit 1
    fi
fi

# --- 4. clang-tidy (.clang-tidy), on the asan build's compile_commands.json -----------------------------
if wanted tidy; then
    stage "clang-tidy"
    # The compilation database is written when the asan build is configured.
    [ -f build-asan/compile_commands.json ] || cmake --preset asan >/dev/null
    header_filter="^${root}/(include/asyncfetch|src)/"
    if command -v run-clang-tidy-14 >/dev/null; then
        # -Wno-error: compiler warnings are the compilers' business (the asan build has -Werror).
        run-clang-tidy-14 -quiet -p build-asan -j "$jobs" -header-filter="$header_filter" -extra-arg=-Wno-error \
            "^${root}/(src|src/testbed|tools)/[^/]*\\.cpp\$"
    else
        find src src/testbed tools -maxdepth 1 -name '*.cpp' -print0 |
            xargs -0 -n 1 -P "$jobs" clang-tidy-14 --quiet -p build-asan --header-filter="$header_filter" \
                --extra-arg=-Wno-error
    fi
fi

# --- 5. libFuzzer: each target for a fixed time, from the committed seed corpus ----------------------
if wanted fuzz; then
    stage "fuzz: build"
    cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz -j "$jobs" --target fuzz_url fuzz_lines fuzz_location fuzz_response fuzz_h2_client fuzz_cookie

    for target in fuzz_url fuzz_lines fuzz_location fuzz_response fuzz_h2_client fuzz_cookie; do
        stage "fuzz: $target ${fuzz_seconds} s"
        # New inputs go to a scratch directory so the committed corpus stays the seed set.
        work=build-fuzz/corpus-work/$target
        artifacts=build-fuzz/artifacts/$target
        mkdir -p "$work" "$artifacts"
        if ! "build-fuzz/fuzz/$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "fuzz/corpus/$target" \
            >"build-fuzz/$target.log" 2>&1; then
            tail -n 40 "build-fuzz/$target.log" >&2
            echo "check: $target found a crash: $(ls "$artifacts")" >&2
            echo "check: reproduce with build-fuzz/fuzz/$target $artifacts/<file>, then add it to tests/unit" >&2
            exit 1
        fi
        grep -E '^stat::(number_of_executed_units|new_units_added)' "build-fuzz/$target.log" >&2 || true
    done
fi

stage "done"
echo "check: passed; times:" >&2
printf '  %s\n' "${timings[@]}" >&2
printf '  %-26s %4d s\n' "total" $((SECONDS - started)) >&2
