#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need that the
# machine may lack, then `swift test`. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# Everything the build and the tests need that the machine lacks (scripts/setup.sh).
bash scripts/setup.sh

swift build --build-tests
swift test --skip-build
