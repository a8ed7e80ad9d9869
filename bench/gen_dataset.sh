#!/usr/bin/env bash
# Loads the deterministic benchmark dataset into the database named by the libpq environment
# (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE): pgbench tables with foreign keys
# (pgbench -i -s N --foreign-keys) plus the FreshTrack-like IoT schema of bench/gen_dataset.sql.
# Usage: bench/gen_dataset.sh tiny|small|default
#   tiny    ~ 20 MB on disk   (quick regression check)
#   small   ~ 0.2 GB on disk
#   default ~ 1.8 GB on disk  (the production-shaped case of issue 7)
# Prints one line "mode=... db_bytes=..." on stdout; progress goes to stderr.
set -euo pipefail

bench_dir=$(cd "$(dirname "$0")" && pwd)
pg_bin=${PGC_BIN:-/usr/lib/postgresql/15/bin}
mode=${1:-small}

# Size factor per mode: pgbench scale (1 scale unit ~ 15 MB) and the IoT rows (~330 B a reading with
# its indexes). About 30 % of the bytes are pgbench, 70 % sensor readings, as in the production case.
case $mode in
    tiny) scale=1 devices=100 readings=12000 ;;
    small) scale=4 devices=500 readings=400000 ;;
    default) scale=36 devices=2000 readings=3300000 ;;
    *)
        echo "usage: $0 tiny|small|default" >&2
        exit 2
        ;;
esac

: "${PGDATABASE:?set the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) first}"

echo "gen_dataset: pgbench -i -s $scale --foreign-keys" >&2
"$pg_bin/pgbench" -i -q -s "$scale" --foreign-keys >/dev/null 2>"${TMPDIR:-/tmp}/pgark-bench-pgbench.$$.log" || {
    cat "${TMPDIR:-/tmp}/pgark-bench-pgbench.$$.log" >&2
    rm -f "${TMPDIR:-/tmp}/pgark-bench-pgbench.$$.log"
    exit 1
}
rm -f "${TMPDIR:-/tmp}/pgark-bench-pgbench.$$.log"

echo "gen_dataset: IoT schema, $devices devices, $readings sensor readings" >&2
"$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -v devices="$devices" -v readings="$readings" \
    -f "$bench_dir/gen_dataset.sql" >/dev/null

"$pg_bin/psql" -X -q -c CHECKPOINT >/dev/null
bytes=$("$pg_bin/psql" -X -A -t -c "SELECT pg_database_size(current_database())")
echo "mode=$mode db_bytes=$bytes"
