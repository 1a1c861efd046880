#!/usr/bin/env bash
# Builds in release mode and runs the main job on a small sample: for now the stage
# micro-benchmarks (chunking, hashing, encryption, compression beside `openssl speed`).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product repo-bench
.build/release/repo-bench --seconds "${SECONDS_PER_STAGE:-0.5}"
