#!/usr/bin/env bash
# An unchanged re-snapshot of many small files against the stat walk of the same tree
# (issue 17, "unchanged trees at the speed of stat"; target: at most 2x the walk):
#
#   Benchmarks/unchanged-tree.sh [REPO_BINARY] [--work DIR] [--files N] [--runs N]
#
# Builds (once, kept in DIR/tree: deterministic, seed 1) N files (default 200,000) of
# 10 B-3 KB spread over 101 x 101 directories (10,303 with their parents), warms the cache,
# then times, wall clock:
#   find DIR/tree -printf '%s %T@ %C@ %i\n'   (the same stat data a snapshot looks at; 3 runs)
#   repo snapshot: the first, then --runs (default 3) of the unchanged tree
# and prints each (wall and CPU seconds) with the ratios of the median unchanged run to the
# median find.
# REPO_BINARY defaults to this checkout's release build (swift build -c release).
# Figures are for the machine as it is at the time: run it on an idle one.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo_bin=$here/../.build/release/repo
work=/tmp/unchanged-tree
files=200000
runs=3
while [ $# -gt 0 ]; do
    case "$1" in
        --work) work=$2; shift 2 ;;
        --files) files=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        -*) echo "unchanged-tree.sh: unknown argument $1" >&2; exit 2 ;;
        *) repo_bin=$1; shift ;;
    esac
done
[ -x "$repo_bin" ] || { echo "unchanged-tree.sh: no repo binary at $repo_bin (swift build -c release)" >&2; exit 1; }

tree=$work/tree
if [ ! -f "$work/tree-$files.done" ]; then
    rm -rf "$tree" "$work"/tree-*.done
    mkdir -p "$tree"
    python3 - "$tree" "$files" <<'PY'
import os, random, sys
root, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
leaves = [os.path.join(root, f"d{i:03}", f"e{j:03}") for i in range(101) for j in range(101)]
for leaf in leaves:
    os.makedirs(leaf)
alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789 \n"
pool = bytes(alphabet[b % len(alphabet)] for b in rng.randbytes(1 << 20))
for n in range(count):
    size, offset = rng.randint(10, 3072), rng.randrange((1 << 20) - 3072)
    with open(os.path.join(leaves[n % len(leaves)], f"f{n:06}.txt"), "wb") as out:
        out.write(pool[offset:offset + size])
PY
    touch "$work/tree-$files.done"
fi

export REPO_PASSWORD=benchmark
export REPO_REPOSITORY=$work/repository
export XDG_CACHE_HOME=$work/cache
rm -rf "$REPO_REPOSITORY" "$XDG_CACHE_HOME"
"$repo_bin" init >/dev/null

# Wall seconds of a command, its output thrown away; its CPU seconds (user + system) are
# appended to $cpu_log. On a busy machine the wall clock of both sides stretches unevenly:
# the CPU ratio is the steadier one.
cpu_log=$(mktemp)
trap 'rm -f "$cpu_log"' EXIT
seconds() {
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -a -o "$cpu_log" "$@" >/dev/null
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", e - s }'
}
# CPU seconds of the last command timed.
cpu() { tail -1 "$cpu_log" | awk '{ printf "%.2f", $1 + $2 }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

load=$(cut -d' ' -f1-3 /proc/loadavg)
find "$tree" -printf '%s %T@ %C@ %i\n' >/dev/null   # warm the cache
finds=() find_cpus=()
for _ in 1 2 3; do finds+=("$(seconds find "$tree" -printf '%s %T@ %C@ %i\n')"); find_cpus+=("$(cpu)"); done
first=$(seconds "$repo_bin" snapshot "$tree")
unchanged=() unchanged_cpus=()
for _ in $(seq "$runs"); do unchanged+=("$(seconds "$repo_bin" snapshot "$tree")"); unchanged_cpus+=("$(cpu)"); done

find_median=$(median "${finds[@]}")
unchanged_median=$(median "${unchanged[@]}")
echo "tree: $files files, $(find "$tree" -type d | wc -l) directories ($tree)"
echo "load average at start:    $load"
echo "find -printf (stat walk): ${finds[*]} s wall, ${find_cpus[*]} s CPU"
echo "first snapshot:           $first s wall"
echo "unchanged re-snapshots:   ${unchanged[*]} s wall, ${unchanged_cpus[*]} s CPU"
awk -v u="$unchanged_median" -v f="$find_median" 'BEGIN { printf "unchanged / find, wall (medians): %.2fx (target <= 2x)\n", u / f }'
awk -v u="$(median "${unchanged_cpus[@]}")" -v f="$(median "${find_cpus[@]}")" \
    'BEGIN { printf "unchanged / find, CPU (medians):  %.2fx\n", u / f }'
