#!/usr/bin/env bash
# The hand-written restore test that `pgark drill` replaces, as users write it today: the contender
# bench/run.sh times against `pgark drill`. createdb; pg_restore --list; pg_restore (single job);
# count the tables; dropdb. Only the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD) is used.
# Usage: bench/stock_restore_test.sh DUMPFILE   (a pg_dump -Fc file)
set -euo pipefail

dump=${1:?usage: $0 DUMPFILE}
pg_bin=${PGC_BIN:-/usr/lib/postgresql/15/bin}
db=restore_test_$$

"$pg_bin/createdb" "$db"
trap '"$pg_bin/dropdb" --if-exists "$db" >/dev/null 2>&1 || true' EXIT
"$pg_bin/pg_restore" --list "$dump" >/dev/null
"$pg_bin/pg_restore" --exit-on-error -d "$db" "$dump"
tables=$("$pg_bin/psql" -X -A -t -d "$db" -c \
    "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" -lt 1 ]; then
    echo "restore test FAILED: no tables restored" >&2
    exit 1
fi
"$pg_bin/dropdb" "$db"
trap - EXIT
echo "restore test ok: $tables tables"
