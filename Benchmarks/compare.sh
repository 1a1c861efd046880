#!/usr/bin/env bash
# Runs repo, restic and borg on the same corpus, one after the other, and prints one
# side-by-side table: wall time, CPU time (user+sys) and peak memory of
#   v1        first snapshot of version 1 of the corpus
#   unchanged the same tree again
#   v2        version 2 of the corpus (rsync'd over the live tree, as a real server changes)
#   restore   full restore of the v2 snapshot (verified against the tree with diff -r)
#   check     verification reading all data
# and the repository's size after v1 and after v2. A peer that is not installed is skipped.
#
#   Benchmarks/compare.sh [--size-mb 1000] [--work DIR] [--tools repo,restic,borg] [--corpus DIR]
#
# --corpus DIR takes DIR/v1 and DIR/v2 instead of the generated corpus: real files, as
# Benchmarks/real-corpus.sh DIR assembles them (libraries, docs, two source releases, a
# pg_dump before and after pgbench transactions).
#
# The corpus comes from ../shared/bench/make-corpus.py (seed 42), generated once into
# WORK/corpus and reused.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=1000
work=/tmp/repo-compare
tools=repo,restic,borg
given_corpus=
while [ $# -gt 0 ]; do
    case "$1" in
        --size-mb) size_mb=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --tools) tools=$2; shift 2 ;;
        --corpus) given_corpus=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

corpus_script="$here/../shared/bench/make-corpus.py"
[ -f "$corpus_script" ] || { echo "compare.sh: $corpus_script not found" >&2; exit 1; }
command -v rsync >/dev/null || { echo "compare.sh: needs rsync (apt-get install rsync)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "compare.sh: needs GNU time (apt-get install time)" >&2; exit 1; }

mkdir -p "$work"
corpus=${given_corpus:-"$work/corpus-$size_mb"}
for version in 1 2; do
    if [ -n "$given_corpus" ] && [ ! -d "$corpus/v$version" ]; then
        echo "compare.sh: $corpus/v$version not found (Benchmarks/real-corpus.sh $corpus makes it)" >&2; exit 1
    fi
    if [ ! -d "$corpus/v$version" ]; then
        python3 "$corpus_script" "$corpus/v$version" --size-mb "$size_mb" --seed 42 --version "$version" --quiet
    fi
done

(cd "$here" && swift build -c release --product repo >/dev/null)
repo_bin="$here/.build/release/repo"

results="$work/results.tsv"
: > "$results"

# measure TOOL STEP COMMAND: runs the shell command with GNU time, records wall, cpu, peak KiB.
measure() {
    local tool=$1 step=$2 command=$3
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" bash -c "$command" > "$work/$tool-$step.log" 2>&1 || {
        echo "compare.sh: $tool $step failed, see $work/$tool-$step.log" >&2
        return 1
    }
    read -r wall user sys peak < "$work/time.txt"
    printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$step" "$wall" "$(echo "$user + $sys" | bc)" "$peak" >> "$results"
}

stored() { printf '%s\t%s\t%s\n' "$1" "$2" "$(du -sb "$3" | cut -f1)" >> "$work/sizes.tsv"; }
: > "$work/sizes.tsv"

run_tool() {
    local tool=$1 live="$work/live" repo="$work/$1-repo" target="$work/$1-restore"
    rm -rf "$live" "$repo" "$target"
    rsync -a "$corpus/v1/" "$live/"
    case "$tool" in
        repo)
            export REPO_PASSWORD=compare REPO_REPOSITORY="$repo"
            "$repo_bin" init >/dev/null
            snap="'$repo_bin' snapshot '$live'"
            restore="'$repo_bin' restore latest --target '$target'"
            check="'$repo_bin' check --read-data"
            restored="$target$live" ;;
        restic)
            export RESTIC_PASSWORD=compare RESTIC_REPOSITORY="$repo" RESTIC_CACHE_DIR="$work/restic-cache"
            restic init >/dev/null
            snap="restic backup '$live'"
            restore="restic restore latest --target '$target'"
            check="restic check --read-data"
            restored="$target$live" ;;
        borg)
            export BORG_PASSPHRASE=compare BORG_REPO="$repo" BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
            borg init -e repokey-blake2 >/dev/null 2>&1
            snap="borg create \"::s-\$(date +%s%N)\" '$live'"
            restore="mkdir -p '$target' && cd '$target' && borg extract \"::\$(borg list --short | tail -1)\""
            check="borg check --verify-data"
            restored="$target$live" ;;
    esac
    measure "$tool" v1 "$snap"
    stored "$tool" v1 "$repo"
    if [ "$tool" = repo ]; then
        # What the stored size is made of, kept beside the table: blobs and packs as the
        # index sees them, and any temporary file left behind (there should be none).
        "$repo_bin" stats --json > "$work/repo-v1-stats.json" 2>&1 || true
        find "$repo" -name '.tmp-*' > "$work/repo-v1-temporaries.txt"
    fi
    measure "$tool" unchanged "$snap"
    rsync -a --delete "$corpus/v2/" "$live/"
    measure "$tool" v2 "$snap"
    stored "$tool" v2 "$repo"
    measure "$tool" restore "$restore"
    diff -r "$live" "$restored" >/dev/null || { echo "compare.sh: $tool restore differs from the tree" >&2; exit 1; }
    measure "$tool" check "$check"
    rm -rf "$target"
}

IFS=, read -ra wanted <<< "$tools"
ran=()
for tool in "${wanted[@]}"; do
    if [ "$tool" != repo ] && ! command -v "$tool" >/dev/null; then
        echo "compare.sh: $tool is not installed, skipped (apt-get install $([ "$tool" = borg ] && echo borgbackup || echo "$tool"))" >&2
        continue
    fi
    run_tool "$tool"
    ran+=("$tool")
done

python3 - "$results" "$work/sizes.tsv" "${ran[@]}" <<'EOF'
import sys
results, sizes, tools = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = {}
for line in open(results):
    tool, step, wall, cpu, peak = line.split("\t")
    rows[(tool, step)] = (float(wall), float(cpu), int(peak) / 1024)
stored = {}
for line in open(sizes):
    tool, step, size = line.split("\t")
    stored[(tool, step)] = int(size) / 1e6
header = "step        " + "".join(f"{t + ' wall s':>14}{t + ' cpu s':>13}{t + ' MiB':>11}" for t in tools)
if "repo" in tools:
    header += "".join(f"{t + '/repo':>14}" for t in tools if t != "repo")
print(header)
for step in ["v1", "unchanged", "v2", "restore", "check"]:
    line = f"{step:<12}"
    for t in tools:
        wall, cpu, peak = rows[(t, step)]
        line += f"{wall:>14.2f}{cpu:>13.2f}{peak:>11.0f}"
    if "repo" in tools:
        for t in tools:
            if t != "repo":
                line += f"{rows[(t, step)][0] / rows[('repo', step)][0]:>13.1f}x"
    print(line)
for step, label in [("v1", "stored v1 MB"), ("v2", "stored v2 MB")]:
    print(f"{label:<12}" + "".join(f"{stored[(t, step)]:>38.1f}" for t in tools))
print(f"{'v2 growth MB':<12}" + "".join(f"{stored[(t, 'v2')] - stored[(t, 'v1')]:>38.1f}" for t in tools))
EOF
