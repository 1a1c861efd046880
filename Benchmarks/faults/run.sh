#!/usr/bin/env bash
# The fault campaign (issue 15): builds the release binary, then kills, starves and
# write-protects repo's commands at many points and checks that nothing is lost.
#   Benchmarks/faults/run.sh            # the full campaign (about 30-60 minutes on 2 cores)
#   Benchmarks/faults/run.sh --quick    # a few faults of each kind (a few minutes)
# Further options go to campaign.py (--seed, --random-kills, --max-points, --phases,
# --restore-all). Needs root (a tmpfs holds the repository) and strace.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh --faults
swift build -c release --product repo >/dev/null
arguments=()
for argument in "$@"; do
    if [ "$argument" = "--quick" ]; then
        arguments+=(--random-kills 4 --max-points 12)
    else
        arguments+=("$argument")
    fi
done
exec python3 Benchmarks/faults/campaign.py --binary .build/release/repo "${arguments[@]}"
