#!/usr/bin/env bash
# Regenerates the pg_dump custom-format fixtures used by the archive scanner unit tests:
#   sample.pgdump           pg_dump -Fc -Z0, written to a pipe exactly like pgark's backup stream
#   sample-z6.pgdump        the same database with -Z6 (data blocks compressed, cannot be hashed)
#   sample.list             `pg_restore --list --verbose` of sample.pgdump (every TOC entry)
#   sample.<schema>.<table>.copy   `COPY ... TO STDOUT` of a few tables, to cross-check row hashes
# It starts a throwaway PostgreSQL 15 cluster on 127.0.0.1 and removes it on exit.
# Usage: tests/data/make-fixtures.sh   (as root, or as a user allowed to run initdb)
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Expected rows per table; the script checks them against count(*) and the unit tests assert the same numbers.
# Keep tests/unit/archive_scanner_test.cpp in sync when changing the data below.
expected_counts=(
    "public.t 7"
    "public.readings 1000"
    "public.empty_t 0"
    "public.big 3"
    "sales.Orders 300"
    "sales.measurements_2025 60"
    "sales.measurements_2026 40"
)

# PostgreSQL refuses to run as root: run the server and its tools as the postgres user then.
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

tmp=$(mktemp -d /tmp/pgark-fixtures.XXXXXX)
[[ $(id -u) -eq 0 ]] && chown postgres: "$tmp"
cleanup() {
    if [[ -f $tmp/data/postmaster.pid ]]; then
        as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PGBIN/initdb" -D "$tmp/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync \
    >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log"; exit 1; }
mkdir "$tmp/sock" && { [[ $(id -u) -ne 0 ]] || chown postgres: "$tmp/sock"; }
as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp/sock -c fsync=off" start >/dev/null

# Fixed session settings so that the dump and the COPY fixtures render values identically.
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGTZ=UTC PGDATESTYLE=ISO
export PGOPTIONS="-c extra_float_digits=3 -c IntervalStyle=postgres"
psql() {
    as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" PGTZ="$PGTZ" PGDATESTYLE="$PGDATESTYLE" \
        PGOPTIONS="$PGOPTIONS" "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}
pg_dump() { as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" PGTZ="$PGTZ" "$PGBIN/pg_dump" "$@"; }

psql -d postgres -c "CREATE DATABASE sample"
psql -d sample -o /dev/null <<'SQL'
CREATE SCHEMA sales;

-- Values that exercise COPY text escaping: tabs, newlines, carriage returns, backslashes, NULLs, unicode.
CREATE TABLE public.t (id int PRIMARY KEY, txt text, b bytea, ts timestamptz, n numeric, f float8);
INSERT INTO public.t VALUES
    (1, 'plain', '\x00ff10', '2026-01-24 02:00:00+00', 1.5, 0.1),
    (2, E'tab\there', '\x', '2026-01-24 02:00:00.123456+00', -0, 1e300),
    (3, E'new\nline and cr\r', NULL, NULL, NULL, 'NaN'),
    (4, E'back\\slash \\. \\N', '\x5c2e0a', '1999-12-31 23:59:59+00', 123456789012345678901234567890.5,
        -1.5e-300),
    (5, 'unicode: ünïcödé ✓ 日本語 🐘', '\xe28093', 'infinity', 'NaN', 'Infinity'),
    (6, '', '\x', '-infinity', 0, -0.0),
    (7, NULL, NULL, NULL, NULL, NULL);

CREATE TABLE public.readings (device_id int, at timestamptz, celsius real, note text);
INSERT INTO public.readings
    SELECT i % 17, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', (i % 400) / 10.0 - 20,
           CASE WHEN i % 97 = 0 THEN E'door\topen' END
    FROM generate_series(1, 1000) AS i;
CREATE INDEX readings_at ON public.readings (at);

CREATE TABLE public.empty_t (id int);

-- Rows far larger than pg_dump's chunks and pgark's read buffers.
CREATE TABLE public.big (id int, payload text);
INSERT INTO public.big VALUES (1, repeat('x', 20000)), (2, repeat(E'ab\\c\t', 3000)), (3, 'short');

CREATE TABLE sales."Orders" (id serial PRIMARY KEY, customer text NOT NULL, total numeric(10,2),
                             placed date, tags text[]);
INSERT INTO sales."Orders" (customer, total, placed, tags)
    SELECT 'customer ' || i, i * 1.25, date '2025-01-01' + i, ARRAY['a' || i, 'quote"d', 'com,ma']
    FROM generate_series(1, 300) AS i;
CREATE VIEW sales.big_orders AS SELECT * FROM sales."Orders" WHERE total > 100;

CREATE TABLE sales.measurements (id int, at date, v int) PARTITION BY RANGE (at);
CREATE TABLE sales.measurements_2025 PARTITION OF sales.measurements
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE sales.measurements_2026 PARTITION OF sales.measurements
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO sales.measurements SELECT i, date '2025-11-01' + i, i * i FROM generate_series(1, 100) AS i;

CREATE FUNCTION sales.order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM sales."Orders"';
COMMENT ON TABLE public.t IS 'escaping torture table';

-- Large objects: one spanning several of pg_dump's 16 KiB chunks, one small, one empty.
SELECT lo_from_bytea(0, convert_to(repeat('large object ', 4000), 'UTF8'));
SELECT lo_from_bytea(0, '\x0001020304');
SELECT lo_from_bytea(0, '\x');
SQL

for entry in "${expected_counts[@]}"; do
    read -r qualified rows <<<"$entry"
    schema=${qualified%%.*} table=${qualified#*.}
    got=$(psql -d sample -At -c "SELECT count(*) FROM \"$schema\".\"$table\"")
    if [[ $got != "$rows" ]]; then
        echo "make-fixtures: $qualified has $got rows, expected $rows" >&2
        exit 1
    fi
done

# Piping through cat makes stdout non-seekable, as in pgark: data blocks follow the TOC inline.
pg_dump -Fc -Z0 -d sample | cat >"$here/sample.pgdump"
pg_dump -Fc -Z6 -d sample | cat >"$here/sample-z6.pgdump"
as_pg "$PGBIN/pg_restore" --list --verbose "$here/sample.pgdump" >"$here/sample.list"

# Same column order as pg_dump's COPY statement (no generated or dropped columns here).
psql -d sample -c 'COPY public.t TO STDOUT' >"$here/sample.public.t.copy"
psql -d sample -c 'COPY public.big TO STDOUT' >"$here/sample.public.big.copy"
psql -d sample -c 'COPY sales."Orders" TO STDOUT' >"$here/sample.sales.Orders.copy"

ls -l "$here"/sample*
