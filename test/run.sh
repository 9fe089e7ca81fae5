#!/usr/bin/env bash
# Runs every test file with node's own runner through tsx. Fails when no test file is found
# (node --test on Node 20 would otherwise pass with "# tests 0").
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob
if [ "$#" -gt 0 ]; then files=("$@"); else files=(test/**/*.test.ts test/**/*.test.tsx); fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "test/run.sh: no test files found" >&2
  exit 1
fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-180000}" "${files[@]}"
