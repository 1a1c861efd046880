#!/usr/bin/env bash
# Retention benchmark: N successive versions of the bench corpus, one snapshot a day, in
# repo, restic and borg; then one forget-and-prune with the same policy in each, timed.
#
#   Benchmarks/retention.sh [--size-mb 1000] [--versions 20] [--work DIR] [--tools repo,restic,borg]
#                           [--policy "--keep-daily 7 --keep-weekly 4"] [--measure-only]
#
# Phase 1 (skipped when WORK/pristine is complete): version v of the corpus is generated,
# rsync'd over a live tree (so change detection sees what a real server's would) and
# snapshotted by each tool with the time of day v. The repositories are kept in
# WORK/pristine. Phase 2 copies each to WORK/run and measures there:
#   repo    repo forget POLICY --prune
#   restic  restic forget POLICY --prune
#   borg    borg prune POLICY, then borg compact
# printing wall time, CPU time, peak memory, the size before and after, bytes freed,
# snapshots kept, and whether a full check (reading all data) passes afterwards.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=1000
versions=20
work=/tmp/repo-retention
tools=repo,restic,borg
policy="--keep-daily 7 --keep-weekly 4"
measure_only=false
while [ $# -gt 0 ]; do
    case "$1" in
        --size-mb) size_mb=$2; shift 2 ;;
        --versions) versions=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --tools) tools=$2; shift 2 ;;
        --policy) policy=$2; shift 2 ;;
        --measure-only) measure_only=true; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "retention.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

corpus_script="$here/../shared/bench/make-corpus.py"
[ -f "$corpus_script" ] || { echo "retention.sh: $corpus_script not found" >&2; exit 1; }
command -v rsync >/dev/null || { echo "retention.sh: needs rsync (apt-get install rsync)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "retention.sh: needs GNU time (apt-get install time)" >&2; exit 1; }

IFS=, read -ra wanted <<< "$tools"
selected=()
for tool in "${wanted[@]}"; do
    if [ "$tool" != repo ] && ! command -v "$tool" >/dev/null; then
        echo "retention.sh: $tool is not installed, skipped" >&2
        continue
    fi
    selected+=("$tool")
done

(cd "$here" && swift build -c release --product repo >/dev/null)
repo_bin="$here/.build/release/repo"
export REPO_PASSWORD=retention RESTIC_PASSWORD=retention BORG_PASSPHRASE=retention
export RESTIC_CACHE_DIR="$work/restic-cache" BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
export XDG_CACHE_HOME="$work/cache"
mkdir -p "$work"

# The day of version v, as each tool takes it (version 1 is 2024-07-01, one day apart).
day() { date -u -d "2024-07-01 +$(( $1 - 1 )) days" +"%Y-%m-%d 02:00:00"; }

snapshot() {
    local tool=$1 repo=$2 when=$3 live=$4
    case "$tool" in
        repo) "$repo_bin" -r "$repo" snapshot --quiet --time "$when" "$live" ;;
        restic) restic -r "$repo" backup --quiet --time "$when" "$live" ;;
        borg) borg create --timestamp "${when/ /T}" "$repo::day-${when%% *}" "$live" ;;
    esac
}

init() {
    case "$1" in
        repo) "$repo_bin" -r "$2" init >/dev/null ;;
        restic) restic -r "$2" init >/dev/null ;;
        borg) borg init -e repokey-blake2 "$2" >/dev/null 2>&1 ;;
    esac
}

pristine="$work/pristine"
# borg keeps a cache and a security record per repository id outside the repository; each
# measured copy starts from the state the snapshots left (as a nightly job's would).
borg_base="$pristine/borg-base"
if ! $measure_only && [ ! -f "$pristine/complete-$versions" ]; then
    rm -rf "$pristine" "$work/live" "$work/gen"
    mkdir -p "$pristine"
    export BORG_BASE_DIR="$borg_base"
    for tool in "${selected[@]}"; do init "$tool" "$pristine/$tool"; done
    for v in $(seq 1 "$versions"); do
        python3 "$corpus_script" "$work/gen" --size-mb "$size_mb" --seed 42 --version "$v" --force --quiet
        rsync -a --delete "$work/gen/" "$work/live/"
        for tool in "${selected[@]}"; do snapshot "$tool" "$pristine/$tool" "$(day "$v")" "$work/live"; done
        echo "retention.sh: version $v snapshotted" >&2
    done
    touch "$pristine/complete-$versions"
fi

results="$work/results.tsv"
: > "$results"
for tool in "${selected[@]}"; do
    run="$work/run/$tool"
    rm -rf "$run" && mkdir -p "$work/run" && cp -a "$pristine/$tool" "$run"
    if [ "$tool" = borg ]; then
        # Repositories snapshotted before the base directory was kept apart: rebuild it once.
        [ -d "$borg_base" ] || BORG_BASE_DIR="$borg_base" borg info "$pristine/borg" >/dev/null 2>&1
        rm -rf "$work/borg-base-run" && cp -a "$borg_base" "$work/borg-base-run"
        export BORG_BASE_DIR="$work/borg-base-run"
    fi
    before=$(du -sb "$run" | cut -f1)
    case "$tool" in
        repo) command="'$repo_bin' -r '$run' forget $policy --prune" ;;
        restic) command="restic -r '$run' forget $policy --prune" ;;
        borg) command="borg prune $policy '$run' && borg compact '$run'" ;;
    esac
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" bash -c "$command" > "$work/$tool-prune.log" 2>&1 || {
        echo "retention.sh: $tool forget/prune failed, see $work/$tool-prune.log" >&2; exit 1; }
    read -r wall user sys peak < "$work/time.txt"
    after=$(du -sb "$run" | cut -f1)
    case "$tool" in
        repo) kept=$("$repo_bin" -r "$run" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
              check="'$repo_bin' -r '$run' check --read-data" ;;
        restic) kept=$(restic -r "$run" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
                check="restic -r '$run' check --read-data" ;;
        borg) kept=$(borg list --short "$run" | wc -l)
              check="borg check --verify-data '$run'" ;;
    esac
    if bash -c "$check" > "$work/$tool-check.log" 2>&1; then checked=ok; else checked=FAILED; fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$wall" "$(echo "$user + $sys" | bc)" "$peak" "$before" "$after" "$kept" "$checked" >> "$results"
done

echo "forget + prune with: $policy, over $versions daily snapshots of the ${size_mb} MB corpus"
python3 - "$results" <<'EOF'
import sys
print(f"{'tool':<8}{'wall s':>9}{'cpu s':>9}{'peak MiB':>10}{'before MB':>11}{'after MB':>10}{'freed MB':>10}{'kept':>6}  check")
for line in open(sys.argv[1]):
    tool, wall, cpu, peak, before, after, kept, check = line.rstrip("\n").split("\t")
    b, a = int(before) / 1e6, int(after) / 1e6
    print(f"{tool:<8}{float(wall):>9.2f}{float(cpu):>9.2f}{int(peak) / 1024:>10.0f}{b:>11.1f}{a:>10.1f}{b - a:>10.1f}{kept:>6}  {check}")
EOF
