#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need that the
# machine may lack, then `swift test`, then a line listing the tests skipped. CI runs exactly
# this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# Everything the build and the tests need that the machine lacks (scripts/setup.sh).
bash scripts/setup.sh

swift build --build-tests
# The output is kept to list, at the end, the tests that were skipped and why
# (scripts/skipped-tests.sh); arguments go to `swift test` (`--filter NAME`).
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test --skip-build "$@" 2>&1 | tee "$log" || status=$?
bash scripts/skipped-tests.sh "$log"
exit "$status"
