#!/usr/bin/env bash
# The test suite's short fuzz run (ctest fuzz_short): builds the libFuzzer targets with clang into
# FUZZ_BUILD_DIR (a directory of its own: the main build uses g++) and runs each one for a bounded time
# over a copy of its seed corpus. Fails, naming the target and the saved input, on any crash, leak,
# sanitizer report, timeout or escaping non-pgark exception. Exits 77 (ctest's skip) without clang.
# Usage: tests/fuzz/run_short.sh FUZZ_BUILD_DIR [fixed | SECONDS_PER_TARGET]
#   fixed (ctest's mode): seed 1 and a fixed number of runs per target. libFuzzer is then deterministic,
#     so the same inputs are tried on every machine and a failure means the change under test broke
#     something, never that this run happened to be luckier than the last one.
#   SECONDS (default 30): a random seed per run, for exploring; run it long after changing a parser and
#     keep each finding as a unit test (and as a seed when only the fuzz build can detect it).
set -euo pipefail

build_dir=${1:?usage: $0 FUZZ_BUILD_DIR [fixed | SECONDS_PER_TARGET]}
mode=${2:-30}
src_dir=$(cd "$(dirname "$0")" && pwd)
skip=77

clangxx=${PGARK_FUZZ_CXX:-}
if [ -z "$clangxx" ]; then
    for c in clang++ clang++-14; do
        if command -v "$c" >/dev/null; then
            clangxx=$(command -v "$c")
            break
        fi
    done
fi
if [ -z "$clangxx" ]; then
    echo "fuzz: SKIPPED: clang++ is not installed (scripts/install-deps.sh test installs clang-14 and libclang-rt-14-dev)"
    exit $skip
fi
# libFuzzer's runtime is a separate Debian package from the compiler.
runtime="$("$clangxx" --print-runtime-dir)/libclang_rt.fuzzer-$(uname -m).a"
if [ ! -f "$runtime" ]; then
    echo "fuzz: SKIPPED: $clangxx has no libFuzzer runtime ($runtime; Debian: libclang-rt-14-dev)"
    exit $skip
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
echo "fuzz: building the targets with $clangxx in $build_dir"
mkdir -p "$build_dir"
if ! cmake -S "$src_dir" -B "$build_dir" "${generator[@]}" -DCMAKE_CXX_COMPILER="$clangxx" \
    >"$build_dir/configure.log" 2>&1; then
    cat "$build_dir/configure.log"
    echo "fuzz: FAILED: configuring the fuzz build failed"
    exit 1
fi
if ! cmake --build "$build_dir" -j"$(nproc)" >"$build_dir/build.log" 2>&1; then
    tail -n 60 "$build_dir/build.log"
    echo "fuzz: FAILED: building the fuzz targets failed (log: $build_dir/build.log)"
    exit 1
fi

# target  max input length (the seeds are below it; longer inputs only slow the run down)  runs in fixed
# mode (about 15 s each on one core of the CI machine)
targets=("fuzz_manifest 8192 200000" "fuzz_config 16384 40000" "fuzz_archive_scanner 32768 20000")
# Fixed mode also needs, for the same inputs every time, no address space randomisation (compared
# pointers feed the fuzzer's choices), where the kernel lets us turn it off.
launcher=()
if [ "$mode" = fixed ] && setarch "$(uname -m)" -R true 2>/dev/null; then launcher=(setarch "$(uname -m)" -R); fi
failed=0
for entry in "${targets[@]}"; do
    read -r target max_len fixed_runs <<<"$entry"
    if [ "$mode" = fixed ]; then
        # No timed corpus reloads either. The time limit only guards against a machine far slower than
        # expected.
        bounds=(-seed=1 -runs="$fixed_runs" -reload=0 -max_total_time=600)
        what="$fixed_runs runs with seed 1"
    else
        bounds=(-max_total_time="$mode")
        what="${mode}s"
    fi
    corpus_name=${target#fuzz_}
    run_dir="$build_dir/run/$target"
    # A fresh copy of the seeds each time: libFuzzer writes new inputs into its corpus directory, and
    # the source tree must stay untouched.
    rm -rf "$run_dir"
    mkdir -p "$run_dir/corpus" "$run_dir/findings"
    cp "$src_dir/corpus/$corpus_name/"* "$run_dir/corpus/"
    log="$run_dir/fuzz.log"
    echo "fuzz: running $target: $what"
    rc=0
    # -error_exitcode: libFuzzer's default (77) would read as "skipped" to ctest.
    "${launcher[@]}" "$build_dir/$target" "${bounds[@]}" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
        -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -dict="$src_dir/$corpus_name.dict" \
        -artifact_prefix="$run_dir/findings/" "$run_dir/corpus" >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
    if [ "$rc" -eq 0 ]; then
        echo "fuzz: $target: no findings in ${runs:-?} runs ($cov, corpus $(ls "$run_dir/corpus" | wc -l) inputs)"
        continue
    fi
    failed=1
    echo "---- last lines of $log:"
    tail -n 80 "$log"
    echo "----"
    found=$(ls "$run_dir/findings/" 2>/dev/null || true)
    if [ -n "$found" ]; then
        for f in $found; do
            echo "fuzz: FAILED: $target: finding saved as $run_dir/findings/$f"
            echo "      reproduce: $build_dir/$target $run_dir/findings/$f"
        done
    else
        echo "fuzz: FAILED: $target exited with status $rc and saved no input (see $log)"
    fi
done
if [ "$failed" -ne 0 ]; then
    echo "fuzz: FAILED (minimise a finding with: TARGET -minimize_crash=1 -runs=100000 FILE)"
    exit 1
fi
echo "fuzz: all targets clean"
