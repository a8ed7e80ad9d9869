#!/usr/bin/env bash
# Rewrites every C++ file under src/, tests/ and bench/ with clang-format and the committed .clang-format
# (what the ctest clang_format checks).
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -co --exclude-standard -- 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp' 'bench/*.h' |
    while read -r f; do [[ -f $f ]] && clang-format -i "$f"; done
echo "format: done"
