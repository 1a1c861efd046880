#!/usr/bin/env bash
# Runs repo, restic and borg on the same corpus and prints side-by-side tables: wall time,
# CPU time (user+sys) and peak memory of
#   v1        first snapshot of version 1 of the corpus
#   unchanged the same tree again
#   v2        version 2 of the corpus (rsync'd over the live tree, as a real server changes)
#   restore   full restore of the v2 snapshot (then compared with the tree by diff -r, untimed)
#   check     verification reading all data
# and the repository's size after v1 and after v2. A peer that is not installed is skipped.
# Then one summary table of issue 17's targets: each measure for every tool, the ratio the
# target is about and the target itself (stored v1 and v2 growth against restic, first
# snapshot / restore / check speed against restic, and with --scale the scale figures).
#
#   Benchmarks/compare.sh [--size-mb 1000] [--work DIR] [--runs 3] [--record FILE]
#                         [--tools repo,restic,borg,borg-zstd3] [--corpus DIR]
#                         [--scale | --scale-results FILE] [--scale-args "ARGS"] [--sftp]
#
# Fairness (issue 20):
# - Every tool runs its whole sequence (fresh repository, v1 ... check) --runs times (default
#   3), the tools alternating: run k starts with the k-th tool, so no tool always goes first
#   or last (page cache, the machine's other load). Figures are medians, with ranges.
# - Only the tool's own command is inside the timing: GNU time runs it directly (no shell),
#   archive names and restore targets are made before, the restore is compared after.
# - Settings, printed with the table: repo at its defaults (zstd level 3 in segments of up to
#   1 MiB, chunking classes, AES-256-GCM); restic 0.14 at its default compression `auto`
#   (zstd from klauspost/compress at its default speed, about zstd level 3); borg 1.2 twice:
#   `borg` at its default compression (lz4: faster, larger) and `borg-zstd3` with
#   `--compression zstd,3`, the setting equal to repo's; both `-e repokey-blake2`.
# - The machine (CPU model, SHA instructions, cores, memory, kernel, file system of WORK) and
#   the load average before and after are printed with the table.
# --record FILE also writes everything printed, with the date, the commit and the command
#   line, as a markdown file (docs/benchmarks.md holds such a run).
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
command_line="Benchmarks/compare.sh $*"
# The commit the repo binary is built from, taken before the build (a commit made while the
# runs go on must not be credited with them).
commit=$(git -C "$here" rev-parse --short HEAD)$(git -C "$here" diff --quiet HEAD -- Sources Package.swift || echo "+changes")
size_mb=1000
work=/tmp/repo-compare
tools=repo,restic,borg,borg-zstd3
runs=3
record=
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
        --runs) runs=$2; shift 2 ;;
        --record) record=$2; shift 2 ;;
        --corpus) given_corpus=$2; shift 2 ;;
        --scale) scale=1; shift ;;
        --scale-results) scale_results=$2; shift 2 ;;
        --scale-args) scale_args=$2; shift 2 ;;
        --sftp) sftp=1; shift ;;
        -h|--help) sed -n '2,44p' "$0"; exit 0 ;;
        *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --runs takes a positive number" >&2; exit 2; }

corpus_script="$here/../shared/bench/make-corpus.py"
[ -n "$given_corpus" ] || [ -f "$corpus_script" ] || { echo "compare.sh: $corpus_script not found" >&2; exit 1; }
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

results="$work/results.tsv"   # tool step run wall cpu peak-KiB
sizes="$work/sizes.tsv"       # tool step run bytes
: > "$results"
: > "$sizes"

# measure TOOL STEP RUN COMMAND...: runs the command itself under GNU time (no shell around
# it) in the current directory; records wall, cpu, peak KiB.
measure() {
    local tool=$1 step=$2 run=$3
    shift 3
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" -- "$@" > "$work/$tool-$step.log" 2>&1 || {
        echo "compare.sh: $tool $step (run $run) failed, see $work/$tool-$step.log" >&2
        exit 1
    }
    read -r wall user sys peak < "$work/time.txt"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$step" "$run" "$wall" "$(echo "$user + $sys" | bc)" "$peak" >> "$results"
}

stored() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(du -sb "$4" | cut -f1)" >> "$sizes"; }

# The commands of each tool: snapshot, restore (run in the target directory), check.
tool_commands() {
    local tool=$1 repo=$2 live=$3 target=$4 name=$5
    case "$tool" in
        repo)
            snap=("$repo_bin" snapshot "$live")
            restore=("$repo_bin" restore latest --target "$target")
            check=("$repo_bin" check --read-data) ;;
        restic)
            snap=(restic backup "$live")
            restore=(restic restore latest --target "$target")
            check=(restic check --read-data) ;;
        borg|borg-zstd3)
            local compression=()
            [ "$tool" = borg-zstd3 ] && compression=(--compression zstd,3)
            snap=(borg create "${compression[@]}" "::$name" "$live")
            restore=(borg extract "::$name")
            check=(borg check --verify-data) ;;
    esac
}

# run_tool TOOL RUN: the whole sequence into a fresh repository.
run_tool() {
    local tool=$1 run=$2 live="$work/live" repo="$work/$1-repo" target="$work/$1-restore"
    rm -rf "$live" "$repo" "$target"
    rsync -a "$corpus/v1/" "$live/"
    mkdir -p "$target"
    case "$tool" in
        repo)
            export REPO_PASSWORD=compare REPO_REPOSITORY="$repo"
            "$repo_bin" init >/dev/null ;;
        restic)
            export RESTIC_PASSWORD=compare RESTIC_REPOSITORY="$repo" RESTIC_CACHE_DIR="$work/restic-cache"
            restic init >/dev/null ;;
        borg|borg-zstd3)
            export BORG_PASSPHRASE=compare BORG_REPO="$repo" BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
            borg init -e repokey-blake2 >/dev/null 2>&1 ;;
    esac
    local snap restore check
    tool_commands "$tool" "$repo" "$live" "$target" v1
    measure "$tool" v1 "$run" "${snap[@]}"
    stored "$tool" v1 "$run" "$repo"
    if [ "$tool" = repo ] && [ "$run" = 1 ]; then
        # What the stored size is made of, kept beside the table: blobs and packs as the
        # index sees them, and any temporary file left behind (there should be none).
        "$repo_bin" stats --json > "$work/repo-v1-stats.json" 2>&1 || true
        find "$repo" -name '.tmp-*' > "$work/repo-v1-temporaries.txt"
    fi
    tool_commands "$tool" "$repo" "$live" "$target" unchanged
    measure "$tool" unchanged "$run" "${snap[@]}"
    rsync -a --delete "$corpus/v2/" "$live/"
    tool_commands "$tool" "$repo" "$live" "$target" v2
    measure "$tool" v2 "$run" "${snap[@]}"
    stored "$tool" v2 "$run" "$repo"
    (cd "$target" && measure "$tool" restore "$run" "${restore[@]}")
    diff -r "$live" "$target$live" >/dev/null || { echo "compare.sh: $tool restore differs from the tree (run $run)" >&2; exit 1; }
    measure "$tool" check "$run" "${check[@]}"
    rm -rf "$target" "$repo"
}

IFS=, read -ra wanted <<< "$tools"
ran=()
for tool in "${wanted[@]}"; do
    binary=${tool%-zstd3}
    if [ "$tool" != repo ] && ! command -v "$binary" >/dev/null; then
        echo "compare.sh: $binary is not installed, $tool skipped (apt-get install $([ "$binary" = borg ] && echo borgbackup || echo "$binary"))" >&2
        continue
    fi
    ran+=("$tool")
done

# The machine and the settings, printed with the tables.
machine="$work/machine.txt"
{
    echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1); $(nproc) cores; SHA instructions: $(grep -qw sha_ni /proc/cpuinfo && echo yes \(sha_ni\) || echo no)"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo); kernel $(uname -r); WORK on $(df -T "$work" | awk 'NR == 2 {print $2}') ($(df "$work" | awk 'NR == 2 {print $1}'))"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "corpus: ${given_corpus:-make-corpus.py seed 42, $size_mb MB} (v1 $(du -sm "$corpus/v1" | cut -f1) MB, $(find "$corpus/v1" -type f | wc -l) files; v2 $(du -sm "$corpus/v2" | cut -f1) MB)"
    echo "runs: $runs of each tool's whole sequence, alternating: run k starts with the k-th tool of: ${ran[*]}"
    echo "settings:"
    for tool in "${ran[@]}"; do
        case "$tool" in
            repo) echo "  $("$repo_bin" version 2>/dev/null | head -1): defaults (zstd level 3, segments of up to 1 MiB, chunking classes, AES-256-GCM)" ;;
            restic) echo "  $(restic version | head -1): compression auto (default; zstd, klauspost/compress default speed, about level 3)" ;;
            borg) echo "  $(borg --version): -e repokey-blake2, default compression (lz4)" ;;
            borg-zstd3) echo "  $(borg --version): -e repokey-blake2, --compression zstd,3 (as repo's)" ;;
        esac
    done
} > "$machine"
cat "$machine"

for run in $(seq 1 "$runs"); do
    count=${#ran[@]}
    for offset in $(seq 0 $((count - 1))); do
        tool=${ran[$(( (run - 1 + offset) % count ))]}
        echo "run $run: $tool" >&2
        run_tool "$tool" "$run"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$machine"
tail -1 "$machine"

if [ -n "$scale" ]; then
    # shellcheck disable=SC2086  # ARGS are words for scale.sh
    REPO_BIN="$repo_bin" "$here/Benchmarks/scale.sh" --restic --work "$work/scale" $scale_args
    scale_results="$work/scale/scale.tsv"
fi

report="$work/report.txt"
python3 - "$results" "$sizes" "${given_corpus:+real}" "$scale_results" "${ran[@]}" <<'EOF' | tee "$report"
import statistics, sys
results, sizes, real, scale_file, tools = sys.argv[1], sys.argv[2], sys.argv[3] == "real", sys.argv[4], sys.argv[5:]
samples = {}  # (tool, step) -> [(wall, cpu, MiB)]
for line in open(results):
    tool, step, run, wall, cpu, peak = line.rstrip("\n").split("\t")
    samples.setdefault((tool, step), []).append((float(wall), float(cpu), int(peak) / 1024))
stored_runs = {}
for line in open(sizes):
    tool, step, run, size = line.rstrip("\n").split("\t")
    stored_runs.setdefault((tool, step), []).append(int(size) / 1e6)

def median(values): return statistics.median(values) if values else None
def spread(values, digits=2):
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}"
def wall(tool, step):
    return median([s[0] for s in samples.get((tool, step), [])])
stored = {key: median(values) for key, values in stored_runs.items()}

steps = ["v1", "unchanged", "v2", "restore", "check"]
print()
print("| step | tool | wall s median (range) | CPU s median | peak MiB median | wall / repo's |")
print("|---|---|---|---|---|---|")
for step in steps:
    for t in tools:
        runs = samples[(t, step)]
        walls = [r[0] for r in runs]
        ratio = "" if t == "repo" or "repo" not in tools else f"{median(walls) / wall('repo', step):.2f}x"
        print(f"| {step} | {t} | {median(walls):.2f} ({spread(walls)}) | {median([r[1] for r in runs]):.2f} "
              f"| {median([r[2] for r in runs]):.0f} | {ratio} |")
print()
print("| stored MB | " + " | ".join(tools) + " |")
print("|---|" + "---|" * len(tools))
for step, label in [("v1", "after v1"), ("v2", "after v2")]:
    cells = []
    for t in tools:
        values = stored_runs[(t, step)]
        cells.append(f"{median(values):.1f}" + ("" if max(values) - min(values) < 0.05 else f" ({spread(values, 1)})"))
    print(f"| {label} | " + " | ".join(cells) + " |")
print("| v2 growth | " + " | ".join(f"{stored[(t, 'v2')] - stored[(t, 'v1')]:.1f}" for t in tools) + " |")

# The targets of issue 17, each beside the other tools: for a ratio "a / b", a is repo's figure
# and b restic's (or the stat walk's, or dd's); "x" speeds are restic's median time over repo's.
scale = {}
if scale_file:
    for line in open(scale_file):
        fields = line.rstrip("\n").split("\t")
        scale[fields[0]] = (float(fields[1]), fields[2] if len(fields) > 2 else "")

def fmt(value):
    return "-" if value is None else f"{value:.2f}" if value < 100 else f"{value:.0f}"

rows = []
def add(measure, figure, ratio, target, at_most):
    """A row: `figure(tool)` for each tool (None: not run or not measured)."""
    met = "-" if ratio is None else "yes" if (ratio <= target if at_most else ratio >= target) else "no"
    rows.append((measure, [figure(t) for t in tools], ratio, ("<= " if at_most else ">= ") + f"{target:g}", met))

def ratio_of(a, b):
    return None if a is None or b is None or b == 0 else a / b

corpus = "real files" if real else "shared corpus"
v1 = lambda t: stored.get((t, "v1"))
growth = lambda t: stored[(t, "v2")] - stored[(t, "v1")] if (t, "v2") in stored else None
add(f"stored v1 MB / restic, {corpus}", v1, ratio_of(v1("repo"), v1("restic")), 0.95 if real else 0.93, True)
add(f"v2 growth MB / restic, {corpus}", growth, ratio_of(growth("repo"), growth("restic")), 1.0 if real else 0.55, True)
for step, label, target in [("v1", "first snapshot", 2.2), ("restore", "restore", 2.1), ("check", "check", 1.9)]:
    figure = lambda t, step=step: wall(t, step)
    add(f"{label} s, speed x restic, {corpus}", figure, ratio_of(wall("restic", step), wall("repo", step)), target, False)

scaled = lambda key: lambda t: scale.get(f"{t}.{key}", (None,))[0]
files = int(scale.get("files.count", (0,))[0])
if files:
    find = scale["find.s"][0]
    add(f"first snapshot s, {files} files, speed x restic", scaled("first.s"),
        ratio_of(scaled("first.s")("restic"), scaled("first.s")("repo")), 2.2, False)
    add(f"unchanged s / stat walk ({find:g} s), {files} files", scaled("unchanged.s"),
        ratio_of(scaled("unchanged.s")("repo"), find), 2, True)
    add(f"peak MiB, first snapshot, {files} files", scaled("first.mib"), scaled("first.mib")("repo"), 143, True)
if "media.ratio" in scale:
    add(f"media MB/s / dd conv=fsync ({scale['dd.mbps'][0]:.0f} MB/s), {scale['media.bytes'][0] / 1e9:.0f} GB",
        scaled("media.mbps"), scale["media.ratio"][0], 0.8, False)

print()
print("| issue 17 target | " + " | ".join(tools) + " | ratio | target | met |")
print("|---|" + "---|" * (len(tools) + 3))
for measure, values, ratio, target, met in rows:
    print(f"| {measure} | " + " | ".join(fmt(v) for v in values) + f" | {fmt(ratio)} | {target} | {met} |")
if scale:
    print("(peak memory: 150 MB = 143 MiB; scale figures: medians of scale.sh's runs, ranges in its scale.tsv)")
EOF

# SFTP on loopback (issue 18), after everything else: its own table (one run; see its header).
if [ -n "$sftp" ]; then
    "$here/Benchmarks/sftp-compare.sh" --tree "$corpus/v1" --work "$work/sftp" --repo-bin "$repo_bin" --tools repo,restic \
        | tee "$work/sftp-report.txt"
fi

if [ -n "$record" ]; then
    {
        echo "## $(date -u '+%Y-%m-%d %H:%M UTC'), repo built from commit $commit"
        echo
        echo "\`$command_line\`"
        echo
        echo '```'
        cat "$machine"
        echo '```'
        cat "$report"
        [ -z "$sftp" ] || { echo; echo "SFTP on loopback (Benchmarks/sftp-compare.sh, one run):"; echo; echo '```'; cat "$work/sftp-report.txt"; echo '```'; }
    } > "$record"
    echo "compare.sh: recorded in $record"
fi
