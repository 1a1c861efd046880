#!/usr/bin/env bash
# Runs repo, restic and borg on the same corpus, one after the other, and prints one
# side-by-side table: wall time, CPU time (user+sys) and peak memory of
#   v1        first snapshot of version 1 of the corpus
#   unchanged the same tree again
#   v2        version 2 of the corpus (rsync'd over the live tree, as a real server changes)
#   restore   full restore of the v2 snapshot (verified against the tree with diff -r)
#   check     verification reading all data
# and the repository's size after v1 and after v2. A peer that is not installed is skipped.
# Then one summary table of issue 17's targets: each measure for repo, restic and borg, the
# ratio the target is about and the target itself (stored v1 and v2 growth against restic,
# first snapshot / restore / check speed against restic, and with --scale the scale figures).
#
#   Benchmarks/compare.sh [--size-mb 1000] [--work DIR] [--tools repo,restic,borg] [--corpus DIR]
#                         [--scale | --scale-results FILE] [--scale-args "ARGS"] [--sftp]
#
# --corpus DIR takes DIR/v1 and DIR/v2 instead of the generated corpus: real files, as
# Benchmarks/real-corpus.sh DIR assembles them (libraries, docs, two source releases, a
# pg_dump before and after pgbench transactions); the targets shown are then the real-files ones.
# --scale also runs Benchmarks/scale.sh --restic ARGS (1M small files: first, unchanged, peak
# memory, against `find`; a 20 GB media set against `dd conv=fsync`) in WORK/scale, after the
# corpus runs; --scale-results FILE takes the WORK/scale.tsv of an earlier scale.sh run instead.
# --sftp also runs Benchmarks/sftp-compare.sh (its own sshd on loopback): v1's snapshot and
# restore over SFTP against a local repository, for repo and restic's SFTP backend.
#
# The corpus comes from ../shared/bench/make-corpus.py (seed 42), generated once into
# WORK/corpus and reused.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
size_mb=1000
work=/tmp/repo-compare
tools=repo,restic,borg
given_corpus=
scale=
scale_results=
scale_args=
sftp=
while [ $# -gt 0 ]; do
    case "$1" in
        --size-mb) size_mb=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --tools) tools=$2; shift 2 ;;
        --corpus) given_corpus=$2; shift 2 ;;
        --scale) scale=1; shift ;;
        --scale-results) scale_results=$2; shift 2 ;;
        --scale-args) scale_args=$2; shift 2 ;;
        --sftp) sftp=1; shift ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

corpus_script="$here/../shared/bench/make-corpus.py"
[ -f "$corpus_script" ] || { echo "compare.sh: $corpus_script not found" >&2; exit 1; }
command -v rsync >/dev/null || { echo "compare.sh: needs rsync (apt-get install rsync)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "compare.sh: needs GNU time (apt-get install time)" >&2; exit 1; }

[ -z "$scale_results" ] || [ -f "$scale_results" ] || { echo "compare.sh: $scale_results not found (Benchmarks/scale.sh writes WORK/scale.tsv)" >&2; exit 1; }
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

if [ -n "$scale" ]; then
    # shellcheck disable=SC2086  # ARGS are words for scale.sh
    REPO_BIN="$repo_bin" "$here/Benchmarks/scale.sh" --restic --work "$work/scale" $scale_args
    scale_results="$work/scale/scale.tsv"
fi

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

# The targets of issue 17, each beside restic and borg: for a ratio "a / b", a is repo's figure
# and b restic's (or the stat walk's, or dd's); "x" speeds are restic's time over repo's.
python3 - "$results" "$work/sizes.tsv" "${given_corpus:+real}" "$scale_results" "${ran[@]}" <<'EOF'
import sys
results, sizes, real, scale_file, tools = sys.argv[1], sys.argv[2], sys.argv[3] == "real", sys.argv[4], sys.argv[5:]
walls = {}
for line in open(results):
    tool, step, wall, cpu, peak = line.split("\t")
    walls[(tool, step)] = float(wall)
stored = {}
for line in open(sizes):
    tool, step, size = line.split("\t")
    stored[(tool, step)] = int(size) / 1e6
scale = {}
if scale_file:
    for line in open(scale_file):
        fields = line.rstrip("\n").split("\t")
        scale[fields[0]] = (float(fields[1]), fields[2] if len(fields) > 2 else "")

def fmt(value, unit=""):
    return "-" if value is None else f"{value:.2f}{unit}" if value < 100 else f"{value:.0f}{unit}"

rows = []  # measure, repo, restic, borg, ratio, target, met
def add(measure, figure, ratio, target, at_most):
    """A row: `figure(tool)` for each tool (None: not run or not measured)."""
    values = [figure(t) for t in ("repo", "restic", "borg")]
    met = "-" if ratio is None else "yes" if (ratio <= target if at_most else ratio >= target) else "no"
    rows.append((measure, *values, ratio, ("<= " if at_most else ">= ") + f"{target:g}", met))

def ratio_of(a, b):
    return None if a is None or b is None or b == 0 else a / b

corpus = "real files" if real else "shared corpus"
v1 = lambda t: stored.get((t, "v1"))
growth = lambda t: stored[(t, "v2")] - stored[(t, "v1")] if (t, "v2") in stored else None
add(f"stored v1 MB / restic, {corpus}", v1, ratio_of(v1("repo"), v1("restic")), 0.95 if real else 0.93, True)
add(f"v2 growth MB / restic, {corpus}", growth, ratio_of(growth("repo"), growth("restic")), 1.0 if real else 0.55, True)
for step, label, target in [("v1", "first snapshot", 2.2), ("restore", "restore", 2.1), ("check", "check", 1.9)]:
    wall = lambda t, step=step: walls.get((t, step))
    add(f"{label} s, speed x restic, {corpus}", wall, ratio_of(wall("restic"), wall("repo")), target, False)

figure = lambda key: lambda t: scale.get(f"{t}.{key}", (None,))[0]
files = int(scale.get("files.count", (0,))[0])
if files:
    find = scale["find.s"][0]
    repo, restic = figure("first.s")("repo"), figure("first.s")("restic")
    add(f"first snapshot s, {files} files, speed x restic", figure("first.s"), ratio_of(restic, repo), 2.2, False)
    add(f"unchanged s / stat walk ({find:g} s), {files} files", figure("unchanged.s"),
        ratio_of(figure("unchanged.s")("repo"), find), 2, True)
    add(f"peak MiB, first snapshot, {files} files", figure("first.mib"), figure("first.mib")("repo"), 143, True)
if "media.ratio" in scale:
    add(f"media MB/s / dd conv=fsync ({scale['dd.mbps'][0]:.0f} MB/s), {scale['media.bytes'][0] / 1e9:.0f} GB",
        figure("media.mbps"), scale["media.ratio"][0], 0.8, False)

width = max(len(r[0]) for r in rows)
print()
print(f"{'issue 17 target':<{width}}{'repo':>10}{'restic':>10}{'borg':>10}{'ratio':>9}{'target':>10}{'met':>6}")
for measure, repo, restic, borg, ratio, target, met in rows:
    print(f"{measure:<{width}}{fmt(repo):>10}{fmt(restic):>10}{fmt(borg):>10}{fmt(ratio):>9}{target:>10}{met:>6}")
if scale:
    print("(peak memory: 150 MB = 143 MiB; scale figures: medians of scale.sh's runs, ranges in its scale.tsv)")
EOF

# SFTP on loopback (issue 18), after everything else: its own table.
if [ -n "$sftp" ]; then
    "$here/Benchmarks/sftp-compare.sh" --tree "$corpus/v1" --work "$work/sftp" --repo-bin "$repo_bin" --tools "$tools"
fi
