#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a
# bounded time (FUZZ_SECONDS, default 60) from the seed corpus in
# tests/fuzz/corpus.  Any crash, leak or sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWP_FUZZ=ON >/dev/null
cmake --build build-fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in parse reply memmap walk; do
  mkdir -p "$work/$name"
  cp tests/fuzz/corpus/$name/* "$work/$name/" 2>/dev/null || true
  log="$work/$name.log"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       build-fuzz/tests/fuzz/fuzz_$name -max_total_time="$seconds" -rss_limit_mb=2048 \
       -artifact_prefix="$work/" "$work/$name" >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz_$name: FAILED (see the report above)"
    exit 1
  fi
  runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1)
  echo "fuzz_$name: $runs in ${seconds} s, no crash, leak or sanitizer report"
done
