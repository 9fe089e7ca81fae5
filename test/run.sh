#!/usr/bin/env bash
# Runs every test file with node's own runner through tsx. Fails when no test file is found
# (node --test on Node 20 would otherwise pass with "# tests 0").
#
# Output: one line per test file as it finishes, failures in full, then the totals ending in
# `# pass N` / `# fail N` (test/support/progress-reporter.mjs). TEST_REPORTER=spec|dot|tap
# picks one of node's reporters instead; TEST_TAP_FILE=<file> also writes TAP there for
# machines (.ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob
if [ "$#" -gt 0 ]; then files=("$@"); else files=(test/**/*.test.ts test/**/*.test.tsx); fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "test/run.sh: no test files found" >&2
  exit 1
fi
reporters=(--test-reporter="${TEST_REPORTER:-./test/support/progress-reporter.mjs}" --test-reporter-destination=stdout)
if [ -n "${TEST_TAP_FILE:-}" ]; then reporters+=(--test-reporter=tap --test-reporter-destination="$TEST_TAP_FILE"); fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-180000}" "${reporters[@]}" "${files[@]}"
