#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test suite (unit tests,
# then integration tests against real PostgreSQL 15 and Swift S3 servers the harness starts itself).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
scripts/build.sh -DPGARK_BUILD_TESTS=ON "$@"
build_dir=${PGARK_BUILD_DIR:-build}
cd "$build_dir"
ctest --output-on-failure --timeout 3000 -j1
