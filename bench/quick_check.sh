#!/usr/bin/env bash
# Quick benchmark regression check, run by the test suite (ctest -L bench): runs
# `bench/run.sh MODE --runs 1` (the suite uses small) and fails only on a gross regression measured against the stock tools
# on the same run — never on absolute times:
#   pgark backup wall  > 2 x  pg_dump -Fc
#   pgark drill wall   > 3 x  the hand-written restore test
#   pgark peak RSS     > 256 MiB in backup or drill (GNU time's figure: pgark or its largest child)
# A run over a limit is repeated once; only a regression seen in both runs fails (a shared, loaded
# machine makes single sub-second timings noisy).
# Usage: bench/quick_check.sh [tiny|small] [--results-dir DIR]
#   tiny (default) or small: the dataset; results go to a temporary directory unless DIR is given.
# Exit codes: 0 no gross regression, 1 regression, 3 the benchmark itself failed.
set -euo pipefail

bench_dir=$(cd "$(dirname "$0")" && pwd)
mode=tiny
results_dir=""
while [ $# -gt 0 ]; do
    case $1 in
        tiny | small) mode=$1 ;;
        --results-dir)
            results_dir=${2:?--results-dir needs a directory}
            shift
            ;;
        *)
            echo "usage: $0 [tiny|small] [--results-dir DIR]" >&2
            exit 2
            ;;
    esac
    shift
done
tmp=""
if [ -z "$results_dir" ]; then
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/pgark-quick-bench-XXXXXX")
    results_dir=$tmp
    trap 'rm -rf "$tmp"' EXIT
fi
mkdir -p "$results_dir"

# check_once: one benchmark run; prints a summary line and any regressions; returns 1 on regression.
check_once() {
    local marker=$results_dir/.quick_check.start json verdict
    : >"$marker"
    "$bench_dir/run.sh" "$mode" --runs 1 --results-dir "$results_dir" >/dev/null 2>"$results_dir/quick_check.log" || {
        cat "$results_dir/quick_check.log" >&2
        exit 3
    }
    json=$(find "$results_dir" -maxdepth 1 -name "$mode-*.json" -newer "$marker" -print | sort | tail -1)
    rm -f "$marker"
    [ -n "$json" ] || {
        echo "quick_check: run.sh wrote no results" >&2
        exit 3
    }
    verdict=$(jq -r '
        ([.pgark_peak_rss_kib.backup_with_children, .pgark_peak_rss_kib.drill_with_children] | max) as $rss
        | [ (if .ratios.backup_wall_vs_pg_dump_fc > 2 then
                 "pgark backup is \(.ratios.backup_wall_vs_pg_dump_fc) x pg_dump -Fc (limit 2)" else empty end),
            (if .ratios.drill_wall_vs_stock_restore_test > 3 then
                 "pgark drill is \(.ratios.drill_wall_vs_stock_restore_test) x the hand-written restore test (limit 3)" else empty end),
            (if $rss > 262144 then "pgark peak RSS \($rss / 1024 | floor) MiB (limit 256)" else empty end)
          ] as $bad
        | "quick_check (\(.mode)): backup \(.ratios.backup_wall_vs_pg_dump_fc) x pg_dump -Fc, drill \(.ratios.drill_wall_vs_stock_restore_test) x restore test, peak RSS \($rss / 1024 | floor) MiB, load \(.machine.loadavg_start) -> \(.machine.loadavg_end)",
          ($bad[] | "quick_check: over the limit: \(.)"),
          (if ($bad | length) > 0 then "FAIL" else "OK" end)
    ' "$json")
    printf '%s\n' "$verdict" | sed '$d'
    [ "$(printf '%s\n' "$verdict" | tail -1)" = OK ]
}

if check_once; then
    exit 0
fi
echo "quick_check: repeating the run to rule out noise" >&2
if check_once; then
    echo "quick_check: not reproduced; no gross regression"
    exit 0
fi
echo "quick_check: REGRESSION reproduced in two runs" >&2
exit 1
