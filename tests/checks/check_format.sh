#!/usr/bin/env bash
# The format check (ctest clang_format): every C++ file under src/, tests/ and bench/ is as clang-format
# (the committed .clang-format) would write it. To fix: scripts/format.sh, or clang-format -i FILE.
# Usage: tests/checks/check_format.sh [<repository root>]
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
if ! command -v clang-format >/dev/null; then
    echo "check_format: clang-format not found: apt-get install clang-format (or scripts/install-deps.sh test)" >&2
    exit 1
fi
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' \
    'bench/*.cpp' 'bench/*.h' 2>/dev/null || find src tests bench -name '*.cpp' -o -name '*.h')
bad=()
for f in "${files[@]}"; do
    [[ -f $f ]] || continue
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if ((${#bad[@]})); then
    printf '%s\n' "${bad[@]/#/not clang-formatted: }"
    echo "check_format: ${#bad[@]} of ${#files[@]} files differ from clang-format; run scripts/format.sh" >&2
    exit 1
fi
echo "check_format: OK: ${#files[@]} files are clang-format clean"
