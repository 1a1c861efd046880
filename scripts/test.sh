#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need that the
# machine may lack, then `swift test`. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# System C libraries the package links (Debian names), and faketime, with which the
# end-to-end prune tests make a live process's lock look stale.
missing=()
for package in zlib1g-dev libssl-dev libsqlite3-dev faketime; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi

swift build --build-tests
swift test --skip-build
