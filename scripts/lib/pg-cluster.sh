# shellcheck shell=bash
# Throwaway PostgreSQL 15 clusters for scripts (the demo): source this file, then
#   pgc_start DIR          (DIR: a directory for the cluster alone) initdb DIR/data, start on 127.0.0.1 and a free port; exports PGC_HOST,
#                          PGC_PORT, PGC_SOCKDIR, PGC_PASSWORD (superuser "postgres")
#   pgc_psql DIR SQL [DB]  run SQL as the superuser over the unix socket; prints the rows (unaligned)
#   pgc_client_env DIR [DB] export PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE for TCP access
#   pgc_stop DIR           stop the server (idempotent); pgc_destroy DIR also removes DIR
# Same authentication as the C++ test harness: unix-socket connections are trusted, TCP ones need the
# generated password (scram-sha-256). PostgreSQL refuses to run as root, so as root the server-side
# commands run as the postgres user and DIR is handed to it.
# Nothing secret is printed; the password is kept in DIR/password (0600) so a later shell can reload it.

PGC_BIN=${PGC_BIN:-/usr/lib/postgresql/15/bin}

_pgc_err() { printf 'pg-cluster: %s\n' "$*" >&2; }

# Runs a server-side command as the cluster owner, from DIR: the tools fail when they cannot read
# their current directory (postgres in /root).
_pgc_server() {
    local dir=$1
    shift
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

_pgc_port_in_use() {
    # A connect that succeeds means something listens; bash's /dev/tcp needs no extra tools.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_pgc_free_port() {
    local port tries
    for tries in $(seq 1 50); do
        port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! _pgc_port_in_use "$port"; then
            echo "$port"
            return 0
        fi
        : "$tries"
    done
    _pgc_err "no free TCP port found on 127.0.0.1"
    return 1
}

_pgc_load() {
    local dir=$1
    if [ ! -f "$dir/port" ]; then
        _pgc_err "$dir holds no cluster started by pgc_start"
        return 1
    fi
    PGC_HOST=127.0.0.1
    PGC_PORT=$(cat "$dir/port")
    PGC_SOCKDIR="$dir/sock"
    PGC_PASSWORD=$(cat "$dir/password")
    export PGC_HOST PGC_PORT PGC_SOCKDIR PGC_PASSWORD
}

pgc_start() {
    local dir=${1:?usage: pgc_start DIR}
    local attempt port
    if [ ! -x "$PGC_BIN/initdb" ]; then
        _pgc_err "PostgreSQL 15 server binaries not found in $PGC_BIN; install postgresql-15 or set PGC_BIN"
        return 1
    fi
    if [ -e "$dir/data/PG_VERSION" ]; then
        _pgc_err "$dir/data already holds a cluster; use pgc_stop/pgc_destroy first or choose another DIR"
        return 1
    fi
    mkdir -p "$dir/sock" || return 1
    dir=$(cd "$dir" && pwd) || return 1
    chmod 700 "$dir" "$dir/sock"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$dir" "$dir/sock" || return 1
        if ! runuser -u postgres -- test -x "$dir"; then
            _pgc_err "the postgres user cannot reach $dir (a parent directory is private); use a directory under /tmp"
            return 1
        fi
    fi

    (
        umask 077
        head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/password"
    ) || return 1
    # initdb needs the password in a file the cluster owner can read; it is removed right after.
    install -m 600 "$dir/password" "$dir/pwfile" || return 1
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir/pwfile"
    if ! _pgc_server "$dir" "$PGC_BIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync --no-instructions \
        >"$dir/initdb.log" 2>&1; then
        rm -f "$dir/pwfile"
        _pgc_err "initdb failed; see $dir/initdb.log"
        return 1
    fi
    rm -f "$dir/pwfile"
    cat >>"$dir/data/postgresql.conf" <<EOF

# pg-cluster.sh: a throwaway cluster, durability off for speed
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
include 'pgc_port.conf'
EOF

    for attempt in 1 2 3 4 5; do
        port=$(_pgc_free_port) || return 1
        echo "port = $port" >"$dir/data/pgc_port.conf"
        [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir/data/pgc_port.conf"
        if _pgc_server "$dir" "$PGC_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -s start \
            >/dev/null 2>&1; then
            echo "$port" >"$dir/port"
            _pgc_load "$dir" || return 1
            printf 'pg-cluster: PostgreSQL 15 running on 127.0.0.1:%s (data %s/data, log %s/postgres.log)\n' \
                "$port" "$dir" "$dir" >&2
            return 0
        fi
        # Only a port taken between probing and binding is worth another try.
        grep -q 'Address already in use' "$dir/postgres.log" 2>/dev/null || break
        : "$attempt"
    done
    _pgc_err "PostgreSQL did not start; see $dir/postgres.log"
    return 1
}

pgc_psql() {
    local dir=${1:?usage: pgc_psql DIR SQL [DB]} sql=${2:?usage: pgc_psql DIR SQL [DB]} db=${3:-postgres}
    local port
    port=$(cat "$dir/port" 2>/dev/null) || {
        _pgc_err "$dir holds no cluster started by pgc_start"
        return 1
    }
    # SQL on stdin, not argv: several statements run one by one (CREATE DATABASE cannot share a
    # transaction), and nothing lands in ps output.
    printf '%s\n' "$sql" | PGCLIENTENCODING=UTF8 "$PGC_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 \
        -h "$dir/sock" -p "$port" -U postgres -d "$db" -f -
}

pgc_client_env() {
    local dir=${1:?usage: pgc_client_env DIR [DB]} db=${2:-postgres}
    _pgc_load "$dir" || return 1
    export PGHOST=127.0.0.1 PGPORT="$PGC_PORT" PGUSER=postgres PGPASSWORD="$PGC_PASSWORD" PGDATABASE="$db"
}

pgc_stop() {
    local dir=${1:?usage: pgc_stop DIR}
    [ -f "$dir/data/postmaster.pid" ] || return 0
    if ! _pgc_server "$dir" "$PGC_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop >/dev/null 2>&1; then
        # The pid file outlives a crashed server; only report a server that is really still there.
        if _pgc_server "$dir" "$PGC_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
            _pgc_err "could not stop the server in $dir/data; see $dir/postgres.log"
            return 1
        fi
    fi
    return 0
}

pgc_destroy() {
    local dir=${1:?usage: pgc_destroy DIR}
    pgc_stop "$dir" || return 1
    rm -rf "$dir"
}
