#!/usr/bin/env bash
# Prints one line naming every test a `swift test` run skipped, and why, read from that
# run's output (the file given): Swift Testing's "Test NAME skipped: "REASON"" (a disabled
# or not enabled trait) and "Test NAME was cancelled after N seconds: "REASON"" (`Test.cancel`
# in the body, for what is only known once the test runs), and XCTest's "NAME : Test skipped
# - REASON" (`XCTSkip`). So a test that could not run here is seen in CI's log, not taken for
# a pass.
#   skipped: 2 tests: extendedAttributesSurvive() (trusted.* attributes need root); ...
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 SWIFT-TEST-OUTPUT" >&2; exit 2; }

# Colours off first, should the output have been a terminal's.
entries=$(sed -E 's/\x1b\[[0-9;]*m//g' "$1" | sed -n -E \
    -e 's/^[^ ]+ Test (.+) skipped: "(.*)"$/\1 (\2)/p' \
    -e 's/^[^ ]+ Test (.+) skipped\.$/\1 (no reason given)/p' \
    -e 's/^[^ ]+ Suite (.+) skipped: "(.*)"$/suite \1 (\2)/p' \
    -e 's/^[^ ]+ Suite (.+) skipped\.$/suite \1 (no reason given)/p' \
    -e 's/^[^ ]+ Test (.+) was cancelled after [0-9.]+ seconds?: "(.*)"$/\1 (\2)/p' \
    -e 's/^[^ ]+ Test (.+) was cancelled after [0-9.]+ seconds?\.$/\1 (no reason given)/p' \
    -e 's/^.*: ([^ ]+) : Test skipped - (.*)$/\1 (\2)/p' \
    -e 's/^.*: ([^ ]+) : Test skipped$/\1 (no reason given)/p')

if [ -z "$entries" ]; then
    echo "skipped: 0 tests"
else
    count=$(printf '%s\n' "$entries" | wc -l)
    echo "skipped: $count tests: $(printf '%s\n' "$entries" | awk 'NR > 1 { printf "; " } { printf "%s", $0 }')"
fi
