#!/usr/bin/env bash
# Configures and builds pgark into ./build (or $PGARK_BUILD_DIR). Extra arguments go to cmake,
# e.g. scripts/build.sh -DPGARK_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${PGARK_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGARK_WERROR=ON "$@" >/dev/null
ninja -C "$build_dir" -j"$(nproc)"
echo "build: $build_dir/pgark"
