#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds pgark, starts a throwaway PostgreSQL 15
# cluster holding a small FreshTrack sample database, and runs pgark against a local repository:
# init, backup, list, verify latest. The cluster is stopped and removed afterwards; the repository
# stays (its path is printed) so you can look at it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Installing missing packages"
scripts/install-deps.sh demo
step "Building"
scripts/build.sh -DPGARK_BUILD_TESTS=OFF
pgark=$root/${PGARK_BUILD_DIR:-build}/pgark

work=${PGARK_DEMO_DIR:-$(mktemp -d /tmp/pgark-demo-XXXXXX)}
mkdir -p "$work"
# The postgres user must reach the cluster directory inside it (as root the server runs as postgres).
chmod 711 "$work"
cluster=$work/cluster
repo=$work/repo
# shellcheck source=lib/pg-cluster.sh
. scripts/lib/pg-cluster.sh
trap 'pgc_destroy "$cluster" >/dev/null 2>&1 || true' EXIT

step "Starting a throwaway PostgreSQL 15 cluster"
pgc_start "$cluster"
pgc_psql "$cluster" "CREATE DATABASE freshtrack" >/dev/null
pgc_client_env "$cluster" freshtrack
psql -X -q -v ON_ERROR_STOP=1 -f scripts/sample/freshtrack.sql >/dev/null
echo "cluster on $PGHOST:$PGPORT; sample database 'freshtrack':"
psql -X -A -t -F ' ' -c "SELECT 'devices', count(*) FROM devices UNION ALL SELECT 'sensor_readings', count(*)
  FROM sensor_readings UNION ALL SELECT 'alerts', count(*) FROM alerts" | sed 's/^/  /'

# pgark reads the libpq variables exported above (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
step "pgark init --repo $repo"
"$pgark" init --repo "$repo"
step "pgark backup"
"$pgark" --repo "$repo" backup
step "pgark list"
"$pgark" --repo "$repo" list
step "pgark verify latest"
"$pgark" --repo "$repo" verify latest
step "pgark drill latest (restore into a scratch database, compare every row, clean up)"
"$pgark" --repo "$repo" drill latest
step "pgark status (RPO and RTO against the objectives)"
"$pgark" --repo "$repo" status

step "Done"
echo "The repository is at $repo (the PostgreSQL cluster has been stopped and removed)."
echo "Restore by hand, without pgark:"
echo "  zstd -d < $repo/backups/freshtrack/<id>/archive.pgdump.zst | pg_restore -d NEWDB"
