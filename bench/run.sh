#!/usr/bin/env bash
# pgark benchmark harness (issue 7): measures pgark side by side with the stock tools on one
# throwaway PostgreSQL 15 cluster and reports ratios (pgark / stock), stored sizes and pgark's peak RSS.
#   backup:       pg_dump -Fc > file      vs  pgark backup (local repository, and an S3 repository on the
#                 test suite's Swift server when build/tests/pgark_swift_server exists);
#                 floor: pg_dump -Fc -Z0 > /dev/null
#   restore test: bench/stock_restore_test.sh (createdb; pg_restore --list; pg_restore; count; dropdb)
#                 vs  pgark drill (content level: every row verified)
#   restore:      createdb + pg_restore (single job)  vs  pgark restore --to-new (and pg_restore --jobs 2,
#                 the stock tool's parallel mode, for reference)
# Contenders alternate (order reversed every run); medians of N runs after one warm-up run.
# Usage: bench/run.sh [tiny|small|default] [--runs N] [--results-dir DIR]
# Writes DIR/<mode>-<date>.json and .md (DIR defaults to bench/results) and prints the Markdown.
# Needs: PostgreSQL 15 server and client binaries, jq, GNU time (/usr/bin/time; installed with apt-get
# when missing and running as root), and a built pgark (build/pgark, or $PGARK_BIN).
set -euo pipefail

bench_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench_dir")
pg_bin=${PGC_BIN:-/usr/lib/postgresql/15/bin}
export PGC_BIN=$pg_bin

mode=small
runs=3
results_dir=$bench_dir/results
usage() { echo "usage: $0 [tiny|small|default] [--runs N] [--results-dir DIR]" >&2; }
while [ $# -gt 0 ]; do
    case $1 in
        tiny | small | default) mode=$1 ;;
        --runs)
            runs=${2:?--runs needs a number}
            shift
            ;;
        --runs=*) runs=${1#--runs=} ;;
        --results-dir)
            results_dir=${2:?--results-dir needs a directory}
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage
            exit 2
            ;;
    esac
    shift
done
case $runs in '' | *[!0-9]* | 0)
    echo "--runs must be a positive integer" >&2
    exit 2
    ;;
esac

log() { printf 'bench: %s\n' "$*" >&2; }

# --- prerequisites ---------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" -eq 0 ]; then
        log "installing GNU time (peak RSS)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
    else
        echo "GNU time (/usr/bin/time) is missing: apt-get install time" >&2
        exit 1
    fi
fi
for tool in jq pgrep; do
    command -v "$tool" >/dev/null || {
        echo "$tool is missing" >&2
        exit 1
    }
done
pgark_src=${PGARK_BIN:-$root/build/pgark}
swift_tool=${PGARK_SWIFT_SERVER:-$(dirname "$pgark_src")/tests/pgark_swift_server}
# The binary may be in the middle of a rebuild by someone else: wait for it rather than fail.
for _ in $(seq 1 60); do
    [ -x "$pgark_src" ] && break
    log "waiting for $pgark_src (being rebuilt?)"
    sleep 10
done
[ -x "$pgark_src" ] || {
    echo "no pgark binary at $pgark_src" >&2
    exit 1
}

# --- work area and cleanup -------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/pgark-bench-XXXXXX")
# As root the server runs as postgres, which must traverse this directory to reach the cluster.
chmod 711 "$work"
cluster=$work/cluster
repo=$work/repo
dumpfile=$work/stock.dump
samples=$work/samples.tsv
mkdir -p "$work/m"
# shellcheck source-path=SCRIPTDIR source=../scripts/lib/pg-cluster.sh
. "$root/scripts/lib/pg-cluster.sh"
swift_pid=""
cleanup() {
    if [ -n "$swift_pid" ]; then
        kill -TERM "$swift_pid" 2>/dev/null || true
        wait "$swift_pid" 2>/dev/null || true
    fi
    pgc_destroy "$cluster" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private copy: a concurrent rebuild cannot swap the binary in the middle of the measurements.
cp "$pgark_src" "$work/pgark"
pgark=$work/pgark

# --- machine ---------------------------------------------------------------------------------
cpu_busy_total() { # prints "busy total" jiffies from /proc/stat
    local _cpu user nice system idle iowait irq softirq steal _rest
    read -r _cpu user nice system idle iowait irq softirq steal _rest </proc/stat
    echo "$((user + nice + system + irq + softirq + steal)) $((user + nice + system + idle + iowait + irq + softirq + steal))"
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
stamp=$(date -u +%Y-%m-%d-%H%M%S)
load_start=$(loadavg)
nproc_=$(nproc)
mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
kernel=$(uname -r)
pgark_version=$("$pgark" --version 2>/dev/null | head -1)
git_head=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
pgark_mtime=$(date -u -r "$pgark_src" +%Y-%m-%dT%H:%M:%SZ)
log "mode $mode, $runs run(s) after a warm-up; load average at start: $load_start"

# --- cluster and dataset ---------------------------------------------------------------------
pgc_start "$cluster"
pgc_psql "$cluster" "CREATE DATABASE benchdb" >/dev/null
pgc_client_env "$cluster" benchdb
pg_version=$("$pg_bin/psql" -X -A -t -c "SHOW server_version")
t0=$(date +%s%N)
db_bytes=$("$bench_dir/gen_dataset.sh" "$mode" | sed -n 's/.*db_bytes=//p')
gen_seconds=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
log "dataset $mode loaded: $db_bytes bytes on disk in ${gen_seconds}s"
"$pgark" --repo "$repo" -q init >/dev/null
# An S3 repository on a real S3 server (Swift with s3api, SigV4 checked), when the tool is built.
s3_repo=""
if [ -x "$swift_tool" ]; then
    mkfifo "$work/swift.in"
    "$swift_tool" bench <"$work/swift.in" >"$work/swift.env" 2>"$work/swift.log" &
    swift_pid=$!
    exec {swift_hold}>"$work/swift.in" # the server runs while this stays open
    for _ in $(seq 1 120); do
        grep -q '^READY=1' "$work/swift.env" 2>/dev/null && break
        kill -0 "$swift_pid" 2>/dev/null || break
        sleep 0.5
    done
    if grep -q '^READY=1' "$work/swift.env" 2>/dev/null; then
        s3_repo=s3://bench/repo
        s3_env=()
        while IFS= read -r kv; do s3_env+=("$kv"); done < <(grep -v '^READY=' "$work/swift.env")
        env "${s3_env[@]}" "$pgark" --repo "$s3_repo" -q init >/dev/null
        log "S3 repository on Swift at $(grep '^AWS_ENDPOINT_URL=' "$work/swift.env" | cut -d= -f2)"
    else
        log "the Swift S3 server did not start (see below); measuring without the S3 backup"
        tail -5 "$work/swift.log" >&2 || true
    fi
else
    log "no $swift_tool (build with tests): measuring without the S3 backup"
fi
# The raw (uncompressed) custom-format size, for reference; not timed.
z0_bytes=$("$pg_bin/pg_dump" -Fc -Z0 | wc -c)

# --- measurement -----------------------------------------------------------------------------
printf 'contender\trun\twall_s\tcpu_s\trss_tree_kib\trss_own_kib\tstored_bytes\n' >"$samples"

# measure NAME RUN CMD...: runs CMD under GNU time (its stdout is the caller's), appends a sample.
# rss_tree is GNU time's "Maximum resident set size": the largest of CMD and its children
# (pg_dump, pg_restore). rss_own is CMD's own peak (VmHWM), polled every 0.1 s when POLL_RSS=1.
measure() {
    local name=$1 run=$2
    shift 2
    local tfile="$work/m/$name.$run.time" start end rc=0 tpid cpid="" own=0 hwm key val _unit
    # Every contender starts from the same state: the previous one's dirty buffers written out by a
    # checkpoint and its files by the kernel, not left to be paid for by whoever runs next (not timed).
    "$pg_bin/psql" -X -q -c CHECKPOINT
    sync
    start=$(date +%s%N)
    /usr/bin/time -v -o "$tfile" "$@" &
    tpid=$!
    if [ "${POLL_RSS:-0}" = 1 ]; then
        while kill -0 "$tpid" 2>/dev/null; do
            [ -n "$cpid" ] || cpid=$(pgrep -P "$tpid" | head -1 || true)
            if [ -n "$cpid" ] && [ -r "/proc/$cpid/status" ]; then
                hwm=""
                while read -r key val _unit; do
                    [ "$key" = "VmHWM:" ] && hwm=$val
                done 2>/dev/null <"/proc/$cpid/status" || true
                [ -n "$hwm" ] && [ "$hwm" -gt "$own" ] && own=$hwm
            fi
            sleep 0.1
        done
    fi
    wait "$tpid" || rc=$?
    end=$(date +%s%N)
    if [ "$rc" -ne 0 ]; then
        echo "bench: $name (run $run) failed with exit code $rc:" >&2
        sed 's/^/  /' "$tfile" >&2 || true
        exit 1
    fi
    awk -F': ' -v name="$name" -v run="$run" -v wall="$(((end - start) / 1000000))" -v own="$own" '
        /User time \(seconds\)/ {u = $2}
        /System time \(seconds\)/ {s = $2}
        /Maximum resident set size/ {r = $2}
        END {printf "%s\t%s\t%.3f\t%.2f\t%d\t%d\t0\n", name, run, wall / 1000, u + s, r, own}
    ' "$tfile" >>"$samples"
}
set_last_stored() { # rewrites the stored_bytes of the last sample
    local tmp="$work/samples.tmp"
    awk -F'\t' -v OFS='\t' -v n="$(wc -l <"$samples")" -v v="$1" 'NR == n {$7 = v} {print}' "$samples" >"$tmp"
    mv "$tmp" "$samples"
}

backup_stock() {
    measure pg_dump_fc "$1" "$pg_bin/pg_dump" -Fc >"$dumpfile"
    set_last_stored "$(stat -c %s "$dumpfile")"
}
backup_floor() { measure pg_dump_z0_null "$1" "$pg_bin/pg_dump" -Fc -Z0 >/dev/null; }
backup_pgark() {
    POLL_RSS=1 measure pgark_backup "$1" "$pgark" --repo "$repo" -q backup --json >"$work/m/backup.$1.json"
    set_last_stored "$(jq -r '.archive.stored_bytes' "$work/m/backup.$1.json")"
    # Keep only the newest backup: the drill uses it, older ones only take disk space.
    find "$repo/backups/benchdb" -mindepth 1 -maxdepth 1 -type d | sort | head -n -1 | xargs -r rm -rf
}
backup_pgark_s3() {
    [ -n "$s3_repo" ] || return 0
    POLL_RSS=1 measure pgark_backup_s3 "$1" env "${s3_env[@]}" "$pgark" --repo "$s3_repo" -q backup --json \
        >"$work/m/backup_s3.$1.json"
    set_last_stored "$(jq -r '.archive.stored_bytes' "$work/m/backup_s3.$1.json")"
}
restore_stock() { measure stock_restore_test "$1" "$bench_dir/stock_restore_test.sh" "$dumpfile" >/dev/null; }
restore_pgark() {
    POLL_RSS=1 measure pgark_drill "$1" "$pgark" --repo "$repo" -q drill latest --json >"$work/m/drill.$1.json"
    jq -e '.ok == true' "$work/m/drill.$1.json" >/dev/null || {
        echo "bench: pgark drill reported a failure (run $1)" >&2
        exit 1
    }
}

# Production restore into a new database: what an operator types today (createdb + pg_restore, single
# job, from the -Fc file) vs `pgark restore --to-new` (download, restore with 2 jobs, default verification).
# With 2 jobs, the stock tool's own parallel mode is measured for reference (no issue 7 target): what an
# operator could type today to use both cores, without download, validation or verification.
# prod_restore_stock RUN JOBS
prod_restore_stock() {
    local name=stock_pg_restore
    [ "$2" -eq 1 ] || name=stock_pg_restore_j$2
    "$pg_bin/dropdb" --if-exists bench_restored
    measure "$name" "$1" sh -c '"$1/createdb" bench_restored && "$1/pg_restore" --exit-on-error --jobs "$3" -d bench_restored "$2"' \
        sh "$pg_bin" "$dumpfile" "$2"
    "$pg_bin/dropdb" bench_restored
}
prod_restore_pgark() {
    "$pg_bin/dropdb" --if-exists bench_restored
    POLL_RSS=1 measure pgark_restore "$1" "$pgark" --repo "$repo" -q restore latest --to-new bench_restored --json \
        >"$work/m/restore.$1.json"
    jq -e '.ok == true' "$work/m/restore.$1.json" >/dev/null || {
        echo "bench: pgark restore reported a failure (run $1)" >&2
        exit 1
    }
    "$pg_bin/dropdb" bench_restored
}

"$pg_bin/psql" -X -q -c CHECKPOINT
read -r busy0 total0 < <(cpu_busy_total)
loads=()
for run in $(seq 0 "$runs"); do
    label=$([ "$run" -eq 0 ] && echo "warm-up" || echo "run $run/$runs")
    if [ $((run % 2)) -eq 0 ]; then
        log "$label: pg_dump -Fc, pgark backup, pg_dump -Z0 floor"
        backup_stock "$run"
        backup_pgark "$run"
        backup_pgark_s3 "$run"
        backup_floor "$run"
        log "$label: stock restore test, pgark drill"
        restore_stock "$run"
        restore_pgark "$run"
        log "$label: pg_restore into a new database (1 job, 2 jobs), pgark restore --to-new"
        prod_restore_stock "$run" 1
        prod_restore_stock "$run" 2
        prod_restore_pgark "$run"
    else
        log "$label: pg_dump -Z0 floor, pgark backup, pg_dump -Fc"
        backup_floor "$run"
        backup_pgark_s3 "$run"
        backup_pgark "$run"
        backup_stock "$run"
        log "$label: pgark drill, stock restore test"
        restore_pgark "$run"
        restore_stock "$run"
        log "$label: pgark restore --to-new, pg_restore into a new database (2 jobs, 1 job)"
        prod_restore_pgark "$run"
        prod_restore_stock "$run" 2
        prod_restore_stock "$run" 1
    fi
    loads+=("$(loadavg)")
done
read -r busy1 total1 < <(cpu_busy_total)
load_end=$(loadavg)
finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# Share of all CPUs busy during the measurements (ours and everyone else's).
busy_pct=$(awk -v b="$((busy1 - busy0))" -v t="$((total1 - total0))" 'BEGIN {printf "%.0f", t ? 100 * b / t : 0}')
log "load average at end: $load_end; CPUs ${busy_pct}% busy during the measurements"

# --- results ---------------------------------------------------------------------------------
mkdir -p "$results_dir"
json_out=$results_dir/$mode-$stamp.json
md_out=$results_dir/$mode-$stamp.md
phases_of() { # phases_of drill|restore: every measured run's phases, from the jobs' --json output
    local f n
    for f in "$work"/m/"$1".*.json; do
        n=${f##*/"$1".}
        n=${n%.json}
        [ "$n" -eq 0 ] || jq -c '[.phases[] | {name, seconds}]' "$f"
    done | jq -s '.'
}
drill_phases=$(phases_of drill)
restore_phases=$(phases_of restore)

jq -n \
    --arg mode "$mode" --argjson runs "$runs" --arg started "$started" --arg finished "$finished" \
    --argjson nproc "$nproc_" --argjson mem_kib "$mem_kib" --arg cpu_model "$cpu_model" --arg kernel "$kernel" \
    --arg load_start "$load_start" --arg load_end "$load_end" --argjson busy_pct "$busy_pct" \
    --arg loads "$(printf '%s\n' "${loads[@]}")" \
    --arg pg_version "$pg_version" --arg pgark_version "$pgark_version" --arg git_head "$git_head" \
    --arg pgark_mtime "$pgark_mtime" \
    --argjson db_bytes "$db_bytes" --argjson z0_bytes "$z0_bytes" --argjson gen_seconds "$gen_seconds" \
    --argjson drill_phases "$drill_phases" --argjson restore_phases "$restore_phases" \
    --rawfile samples "$samples" '
    def median: sort | if length == 0 then null
        elif length % 2 == 1 then .[length / 2 | floor]
        else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def r3: . * 1000 | round / 1000;
    ($samples | split("\n") | .[1:] | map(select(length > 0) | split("\t")
        | {contender: .[0], run: (.[1] | tonumber), wall_s: (.[2] | tonumber), cpu_s: (.[3] | tonumber),
           rss_tree_kib: (.[4] | tonumber), rss_own_kib: (.[5] | tonumber), stored_bytes: (.[6] | tonumber)})) as $all
    | ($all | map(select(.run > 0))) as $measured
    | ($measured | group_by(.contender) | map({key: .[0].contender, value: {
        wall_s: (map(.wall_s) | median | r3), cpu_s: (map(.cpu_s) | median | r3),
        wall_s_all: map(.wall_s), rss_tree_kib_max: (map(.rss_tree_kib) | max),
        rss_own_kib_max: (map(.rss_own_kib) | max), stored_bytes: (map(.stored_bytes) | median)}})
        | from_entries) as $c
    | {
        mode: $mode, runs: $runs, warmup_runs: 1, started: $started, finished: $finished,
        machine: {nproc: $nproc, mem_total_kib: $mem_kib, cpu_model: $cpu_model, kernel: $kernel,
                  loadavg_start: $load_start, loadavg_end: $load_end,
                  loadavg_after_each_run: ($loads | split("\n") | map(select(length > 0))),
                  cpu_busy_pct_during_measurements: $busy_pct,
                  postgresql: $pg_version, pgark: $pgark_version, git_head: $git_head,
                  pgark_binary_mtime: $pgark_mtime},
        dataset: {db_bytes: $db_bytes, dump_z0_bytes: $z0_bytes, load_seconds: $gen_seconds},
        contenders: $c,
        ratios: {
            backup_wall_vs_pg_dump_fc: ($c.pgark_backup.wall_s / $c.pg_dump_fc.wall_s | r3),
            backup_s3_wall_vs_pg_dump_fc: (if $c.pgark_backup_s3 then $c.pgark_backup_s3.wall_s / $c.pg_dump_fc.wall_s | r3 else null end),
            backup_wall_vs_z0_floor: ($c.pgark_backup.wall_s / $c.pg_dump_z0_null.wall_s | r3),
            pg_dump_fc_wall_vs_z0_floor: ($c.pg_dump_fc.wall_s / $c.pg_dump_z0_null.wall_s | r3),
            backup_cpu_vs_pg_dump_fc: ($c.pgark_backup.cpu_s / $c.pg_dump_fc.cpu_s | r3),
            stored_size_vs_pg_dump_fc: ($c.pgark_backup.stored_bytes / $c.pg_dump_fc.stored_bytes | r3),
            drill_wall_vs_stock_restore_test: ($c.pgark_drill.wall_s / $c.stock_restore_test.wall_s | r3),
            restore_wall_vs_pg_restore: ($c.pgark_restore.wall_s / $c.stock_pg_restore.wall_s | r3),
            restore_wall_vs_pg_restore_j2: (if $c.stock_pg_restore_j2 then $c.pgark_restore.wall_s / $c.stock_pg_restore_j2.wall_s | r3 else null end),
            pg_restore_j2_wall_vs_single_job: (if $c.stock_pg_restore_j2 then $c.stock_pg_restore_j2.wall_s / $c.stock_pg_restore.wall_s | r3 else null end)
        },
        pgark_peak_rss_kib: {
            backup: $c.pgark_backup.rss_own_kib_max, drill: $c.pgark_drill.rss_own_kib_max,
            backup_s3: (if $c.pgark_backup_s3 then $c.pgark_backup_s3.rss_own_kib_max else null end),
            backup_with_children: $c.pgark_backup.rss_tree_kib_max,
            drill_with_children: $c.pgark_drill.rss_tree_kib_max,
            restore: $c.pgark_restore.rss_own_kib_max, restore_with_children: $c.pgark_restore.rss_tree_kib_max
        },
        drill_phases_median_s: ($drill_phases | flatten | group_by(.name)
            | map({key: .[0].name, value: (map(.seconds) | median | r3)}) | from_entries),
        restore_phases_median_s: ($restore_phases | flatten | group_by(.name)
            | map({key: .[0].name, value: (map(.seconds) | median | r3)}) | from_entries),
        samples: $all
    }' >"$json_out"

# Markdown from the JSON, so both always agree.
jq -r '
    def mib: . / 1048576 * 10 | round / 10;
    def met(t): if . <= t then "yes" else "no" end;
    . as $r | $r.ratios as $q | $r.contenders as $c |
    "# pgark benchmark: \($r.mode), median of \($r.runs) run(s) after 1 warm-up",
    "",
    "\($r.started) → \($r.finished) · \($r.machine.nproc) CPUs (\($r.machine.cpu_model)), \($r.machine.mem_total_kib / 1048576 * 10 | round / 10) GiB RAM · PostgreSQL \($r.machine.postgresql) · \($r.machine.pgark) (HEAD \($r.machine.git_head), binary built \($r.machine.pgark_binary_mtime))",
    "",
    "Load average at start \($r.machine.loadavg_start), at end \($r.machine.loadavg_end); all CPUs \($r.machine.cpu_busy_pct_during_measurements) % busy during the measurements (ours included).",
    "Dataset: \($r.dataset.db_bytes | mib) MiB on disk, \($r.dataset.dump_z0_bytes | mib) MiB as an uncompressed custom-format dump.",
    "",
    "| ratio (pgark / stock) | value | issue 7 target (default dataset) | met |",
    "|---|---:|---:|:--:|",
    "| backup wall / `pg_dump -Fc` | \($q.backup_wall_vs_pg_dump_fc) | ≤ 0.65 | \($q.backup_wall_vs_pg_dump_fc | met(0.65)) |",
    (if $q.backup_s3_wall_vs_pg_dump_fc then "| `pgark backup` to S3 (Swift on this machine) wall / `pg_dump -Fc` to a local file | \($q.backup_s3_wall_vs_pg_dump_fc) | | |" else empty end),
    "| backup wall / `pg_dump -Fc -Z0 > /dev/null` (floor) | \($q.backup_wall_vs_z0_floor) | ≤ 1.25 | \($q.backup_wall_vs_z0_floor | met(1.25)) |",
    "| stored size / `pg_dump -Fc` file | \($q.stored_size_vs_pg_dump_fc) | ≤ 1.05 | \($q.stored_size_vs_pg_dump_fc | met(1.05)) |",
    "| drill (content) wall / hand-written restore test | \($q.drill_wall_vs_stock_restore_test) | ≤ 0.9 | \($q.drill_wall_vs_stock_restore_test | met(0.9)) |",
    "| `pgark restore --to-new` (rows verified) wall / `createdb` + `pg_restore` single job | \($q.restore_wall_vs_pg_restore) | ≤ 0.85 | \($q.restore_wall_vs_pg_restore | met(0.85)) |",
    (if $q.restore_wall_vs_pg_restore_j2 then "| `pgark restore --to-new` wall / `createdb` + `pg_restore --jobs 2` (reference) | \($q.restore_wall_vs_pg_restore_j2) | | |", "| `pg_restore --jobs 2` wall / single job (what the stock tool gains from 2 cores) | \($q.pg_restore_j2_wall_vs_single_job) | | |" else empty end),
    "| backup CPU (user+sys, with pg_dump) / `pg_dump -Fc` CPU | \($q.backup_cpu_vs_pg_dump_fc) | | |",
    "| `pg_dump -Fc` wall / floor (cost of zlib) | \($q.pg_dump_fc_wall_vs_z0_floor) | | |",
    "",
    "| contender | wall s (median) | CPU s (median) | stored MiB | peak RSS MiB (own / with children) |",
    "|---|---:|---:|---:|---:|",
    ( [["pg_dump_fc", "`pg_dump -Fc > file`"], ["pgark_backup", "`pgark backup`"], ["pgark_backup_s3", "`pgark backup` to S3"],
       ["pg_dump_z0_null", "`pg_dump -Fc -Z0 > /dev/null`"], ["stock_restore_test", "hand-written restore test"],
       ["pgark_drill", "`pgark drill` (content)"], ["stock_pg_restore", "`createdb` + `pg_restore` (single job)"],
       ["stock_pg_restore_j2", "`createdb` + `pg_restore --jobs 2` (reference)"],
       ["pgark_restore", "`pgark restore --to-new` (default verification: rows)"]][] as [$k, $title]
      | select($c[$k] != null) | $c[$k] as $x
      | "| \($title) | \($x.wall_s) | \($x.cpu_s) | \(if $x.stored_bytes > 0 then ($x.stored_bytes | mib) else "" end) | \(if $x.rss_own_kib_max > 0 then "\($x.rss_own_kib_max / 1024 * 10 | round / 10) / " else "" end)\($x.rss_tree_kib_max / 1024 * 10 | round / 10) |"),
    "",
    "pgark peak RSS: backup \($r.pgark_peak_rss_kib.backup / 1024 * 10 | round / 10) MiB\(if $r.pgark_peak_rss_kib.backup_s3 then " (to S3: \($r.pgark_peak_rss_kib.backup_s3 / 1024 * 10 | round / 10) MiB)" else "" end), drill \($r.pgark_peak_rss_kib.drill / 1024 * 10 | round / 10) MiB, restore \($r.pgark_peak_rss_kib.restore / 1024 * 10 | round / 10) MiB (target ≤ 128 MiB).",
    "",
    "`pgark drill` phases (median s): " + ($r.drill_phases_median_s | to_entries | map("\(.key) \(.value)") | join(", ")),
    "",
    "`pgark restore --to-new` phases (median s): " + ($r.restore_phases_median_s | to_entries | map("\(.key) \(.value)") | join(", ")),
    "",
    "Wall times of every measured run: " + ($c | to_entries | map("\(.key) \(.value.wall_s_all | map(tostring) | join("/"))") | join("; "))
' "$json_out" >"$md_out"

cat "$md_out"
log "results: $json_out, $md_out"
