#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test suite (unit tests,
# then integration tests against real PostgreSQL 15 and Swift S3 servers the harness starts itself).
#   scripts/test.sh          everything (what CI runs)
#   scripts/test.sh --unit   the inner loop: build, then only the tests labelled unit (no servers, ~1 min)
# Other arguments go to cmake (e.g. -DPGARK_SANITIZE=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
labels=()
cmake_args=()
for a in "$@"; do
  case "$a" in
    --unit) labels=(-L '^unit$') ;;
    *) cmake_args+=("$a") ;;
  esac
done
scripts/install-deps.sh test
scripts/build.sh -DPGARK_BUILD_TESTS=ON "${cmake_args[@]}"
build_dir=${PGARK_BUILD_DIR:-build}
cd "$build_dir"
ctest --output-on-failure --timeout 3000 -j1 "${labels[@]}"
