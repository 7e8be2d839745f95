#!/usr/bin/env bash
# Formats the C and C++ sources with .clang-format; --check only reports
# (CI), and fails when a file differs.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' '*.cpp' 2>/dev/null ||
                     find common plugin-lldb tests -name '*.[ch]' -o -name '*.cpp')
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run --Werror "${files[@]}"
  echo "format: clean (${#files[@]} files)"
else
  clang-format -i "${files[@]}"
fi
