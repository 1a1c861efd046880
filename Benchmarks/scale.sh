#!/usr/bin/env bash
# Scale figures (issue 17 item 4): many small files, and a large media set against the
# disk's own write speed. Release build; every figure from this one run.
#
#   Benchmarks/scale.sh [--files 1000000] [--media-gb 20] [--runs 3] [--work DIR]
#                       [--restic] [--skip-files] [--skip-media] [--cold] [--keep]
#
# Small files: N files of 10 B-3 KB (deterministic: seed 1; each a distinct slice of one
#   random pool, prefixed with its number) in about N/20 directories two levels deep
#   (D x D with D = ceil(sqrt(N/20))). Timed, --runs times each (median and range printed):
#     find      `find TREE -printf '%s %T@ %C@ %i\n'`: the stat walk, the floor for "unchanged"
#     first     `repo snapshot TREE` into a fresh repository
#     unchanged `repo snapshot TREE` again, nothing changed
#   and peak memory of each: the maximum resident set of the repo process, from GNU time's %M
#   (/usr/bin/time -f '%e %M %U %S', i.e. getrusage's ru_maxrss of the waited-for child), and
#   its CPU time (user+sys: near 2 x wall on 2 cores means it is CPU-bound).
#   --restic does the same with `restic backup` (restic 0.14; its cache in WORK).
# Media set: --media-gb GB of incompressible files (AES-CTR keystream from openssl, fixed key,
#   a distinct counter prefix per file: deterministic, nothing shared) of media-like sizes:
#   a few MB (photos, songs), 50-300 MB (clips), 0.5-1.2 GB (videos). First the
#   disk's own write speed: `dd if=/dev/zero of=WORK/dd.bin bs=1M count=2048 conv=fsync` on the
#   same file system (median of three), then `repo snapshot` of the set into a fresh local
#   repository in WORK, and the ratio snapshot MB/s / dd MB/s (target >= 0.8). The target
#   compares with the disk's write speed, as if the set came from another disk: by default the
#   set is read as generation left it in the page cache (the share cached is printed, from
#   fincore); --cold evicts the set's own pages first (posix_fadvise DONTNEED, nobody else's),
#   so the snapshot reads it from the same disk it writes to.
# Disk use: the small-file tree (~4 GB at 1M files: one 4 KiB block each) and the media set
#   plus its repository (2 x GB) live in WORK (default /tmp/repo-scale) and are deleted at the
#   end unless --keep. Results go to WORK/scale.tsv (measure, value) for compare.sh --scale.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
files=1000000
media_gb=20
runs=3
work=/tmp/repo-scale
with_restic=
do_files=1
do_media=1
keep=
cold=
while [ $# -gt 0 ]; do
    case "$1" in
        --files) files=$2; shift 2 ;;
        --media-gb) media_gb=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --restic) with_restic=1; shift ;;
        --skip-files) do_files=; shift ;;
        --skip-media) do_media=; shift ;;
        --keep) keep=1; shift ;;
        --cold) cold=1; shift ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        *) echo "scale.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x /usr/bin/time ] || { echo "scale.sh: needs GNU time (apt-get install time)" >&2; exit 1; }
command -v openssl >/dev/null || { echo "scale.sh: needs openssl" >&2; exit 1; }
if [ -n "$with_restic" ] && ! command -v restic >/dev/null; then
    echo "scale.sh: restic is not installed, --restic ignored" >&2; with_restic=
fi

if [ -z "${REPO_BIN:-}" ]; then
    (cd "$here" && swift build -c release --product repo >/dev/null)
    REPO_BIN="$here/.build/release/repo"
fi
mkdir -p "$work"
results="$work/scale.tsv"
: > "$results"
raw="$work/scale-runs.tsv"
: > "$raw"
cleanup() { [ -n "$keep" ] || rm -rf "$work/tree" "$work/media" "$work"/*-repo "$work/cache" "$work/restic-cache" "$work/dd.bin"; }
trap cleanup EXIT

export REPO_PASSWORD=scale XDG_CACHE_HOME="$work/cache"
export RESTIC_PASSWORD=scale RESTIC_CACHE_DIR="$work/restic-cache"

# timed NAME COMMAND...: runs it under GNU time, appends "NAME wall_s peak_kib cpu_s" to the raw runs.
timed() {
    local name=$1; shift
    /usr/bin/time -f '%e %M %U %S' -o "$work/time.txt" "$@" > "$work/$name.log" 2>&1 || {
        echo "scale.sh: $name failed, see $work/$name.log" >&2; exit 1; }
    read -r wall peak user sys < "$work/time.txt"
    printf '%s\t%s\t%s\t%s\n' "$name" "$wall" "$peak" "$(echo "$user + $sys" | bc)" >> "$raw"
    printf '  %-18s %8.2f s %8.1f MiB  cpu %7.2f s (user+sys)  (load %s)\n' "$name" "$wall" \
        "$(echo "$peak / 1024" | bc -l)" "$(echo "$user + $sys" | bc)" "$(cut -d' ' -f1 /proc/loadavg)"
}

# summary NAME: median and range of NAME's runs into the results, as NAME.s and NAME.mib.
summary() {
    python3 - "$raw" "$1" "$results" <<'EOF'
import statistics, sys
raw, name, results = sys.argv[1:]
runs = [line.rstrip("\n").split("\t") for line in open(raw) if line.split("\t")[0] == name]
walls = [float(r[1]) for r in runs]
peaks = [int(r[2]) / 1024 for r in runs]
cpus = [float(r[3]) for r in runs]
with open(results, "a") as out:
    out.write(f"{name}.s\t{statistics.median(walls):.2f}\t{min(walls):.2f}-{max(walls):.2f}\n")
    out.write(f"{name}.cpu\t{statistics.median(cpus):.2f}\t{min(cpus):.2f}-{max(cpus):.2f}\n")
    out.write(f"{name}.mib\t{max(peaks):.1f}\t{min(peaks):.1f}-{max(peaks):.1f}\n")
EOF
}

# page_cache DIR [evict]: prints the share of DIR's bytes in the page cache; evicts them first if asked.
page_cache() {
    sync
    python3 - "$@" <<'EOF'
import os, subprocess, sys
root, evict = sys.argv[1], len(sys.argv) > 2
paths = [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]
if evict:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
out = subprocess.run(["fincore", "--bytes", "--noheadings", "--raw", "--output", "RES,SIZE"] + paths,
                     capture_output=True, text=True).stdout.split()
cached, total = sum(map(int, out[0::2])), sum(map(int, out[1::2]))
print(f"  page cache holds {cached / 1e9:.1f} of {total / 1e9:.1f} GB of the set ({100 * cached / max(total, 1):.0f}%)")
EOF
}

if [ -n "$do_files" ]; then
    tree="$work/tree"
    rm -rf "$tree"
    echo "small files: generating $files files in $tree"
    python3 - "$tree" "$files" <<'EOF'
import math, os, random, sys
root, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
pool = rng.randbytes(1 << 22)
side = max(1, math.ceil(math.sqrt(count / 20)))
leaves = [os.path.join(root, f"d{a:03}", f"e{b:03}") for a in range(side) for b in range(side)]
for leaf in leaves:
    os.makedirs(leaf)
for n in range(count):
    size = rng.randint(10, 3000)
    start = rng.randrange(len(pool) - size)
    with open(os.path.join(leaves[n % len(leaves)], f"f{n}"), "wb") as f:
        f.write(b"%d\n" % n + pool[start:start + size])
print(f"  {count} files in {len(leaves)} directories ({side} x {side})")
EOF
    sync
    printf 'files.count\t%s\t\n' "$files" >> "$results"
    for run in $(seq "$runs"); do
        timed find find "$tree" -fprintf /dev/null '%s %T@ %C@ %i\n'
        rm -rf "$work/files-repo" "$work/cache"
        REPO_REPOSITORY="$work/files-repo" "$REPO_BIN" init > /dev/null
        REPO_REPOSITORY="$work/files-repo" timed repo.first "$REPO_BIN" snapshot "$tree"
        REPO_REPOSITORY="$work/files-repo" timed repo.unchanged "$REPO_BIN" snapshot "$tree"
        if [ -n "$with_restic" ]; then
            rm -rf "$work/restic-repo" "$work/restic-cache"
            RESTIC_REPOSITORY="$work/restic-repo" restic init > /dev/null
            RESTIC_REPOSITORY="$work/restic-repo" timed restic.first restic backup "$tree"
            RESTIC_REPOSITORY="$work/restic-repo" timed restic.unchanged restic backup "$tree"
        fi
    done
    for name in find repo.first repo.unchanged ${with_restic:+restic.first restic.unchanged}; do summary "$name"; done
    [ -n "$keep" ] || rm -rf "$tree" "$work/files-repo" "$work/restic-repo" "$work/cache" "$work/restic-cache"
fi

if [ -n "$do_media" ]; then
    media="$work/media"
    rm -rf "$media" "$work/media-repo"
    mkdir -p "$media"
    # The disk's own write speed, on this file system, now.
    echo "media: dd conv=fsync, 2048 MiB, three times"
    for run in 1 2 3; do
        rm -f "$work/dd.bin"
        dd if=/dev/zero of="$work/dd.bin" bs=1M count=2048 conv=fsync 2>&1 | tail -1 | tee -a "$work/dd.log"
        timed_line=$(tail -1 "$work/dd.log")
        printf 'dd\t%s\n' "$timed_line" >> "$raw"
    done
    rm -f "$work/dd.bin"
    echo "media: generating $media_gb GB of incompressible files in $media"
    python3 - "$media" "$media_gb" > "$work/media-sizes.txt" <<'EOF'
import random, sys
root, total = sys.argv[1], int(float(sys.argv[2]) * 1e9)
rng = random.Random(2)
# photos (2-12 MB), songs (3-10 MB), clips (50-300 MB), videos (500 MB-1.2 GB), by bytes
# roughly 10/10/30/50 %.
kinds = [("photo", 2e6, 12e6, 0.1), ("song", 3e6, 10e6, 0.1), ("clip", 50e6, 300e6, 0.3), ("video", 500e6, 1.2e9, 0.5)]
n = 0
for kind, low, high, share in kinds:
    budget = total * share
    while budget > 0:
        size = int(min(budget, rng.uniform(low, high)))
        if size < 1e6: break
        print(f"{root}/{kind}/{kind}{n:05}.bin {size}")
        budget -= size
        n += 1
EOF
    index=0
    while read -r path size; do
        mkdir -p "$(dirname "$path")"
        index=$((index + 1))
        head -c "$size" /dev/zero | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
            -iv "$(printf '%016x%016x' "$index" 0)" > "$path"
    done < "$work/media-sizes.txt"
    media_bytes=$(du -sb "$media" | cut -f1)
    echo "  $(wc -l < "$work/media-sizes.txt") files, $media_bytes bytes"
    page_cache "$media" ${cold:+evict}
    REPO_REPOSITORY="$work/media-repo" "$REPO_BIN" init > /dev/null
    REPO_REPOSITORY="$work/media-repo" timed repo.media "$REPO_BIN" snapshot "$media"
    stored=$(du -sb "$work/media-repo" | cut -f1)
    python3 - "$raw" "$results" "$media_bytes" "$stored" <<'EOF'
import re, statistics, sys
raw, results, media_bytes, stored = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
dd, snapshot, peak = [], None, None
for line in open(raw):
    fields = line.rstrip("\n").split("\t")
    if fields[0] == "dd":
        # "2147483648 bytes (2.1 GB, 2.0 GiB) copied, 9.1 s, 236 MB/s"
        m = re.match(r"(\d+) bytes .* copied, ([\d.]+) s", fields[1])
        dd.append(int(m.group(1)) / float(m.group(2)) / 1e6)
    elif fields[0] == "repo.media":
        snapshot, peak, cpu = float(fields[1]), int(fields[2]) / 1024, float(fields[3])
speed = media_bytes / snapshot / 1e6
with open(results, "a") as out:
    out.write(f"media.bytes\t{media_bytes}\t\n")
    out.write(f"media.stored\t{stored}\t\n")
    out.write(f"dd.mbps\t{statistics.median(dd):.1f}\t{min(dd):.1f}-{max(dd):.1f}\n")
    out.write(f"repo.media.s\t{snapshot:.2f}\t\n")
    out.write(f"repo.media.mbps\t{speed:.1f}\t\n")
    out.write(f"repo.media.mib\t{peak:.1f}\t\n")
    out.write(f"repo.media.cpu\t{cpu:.2f}\t\n")
    out.write(f"media.ratio\t{speed / statistics.median(dd):.2f}\t\n")
EOF
    [ -n "$keep" ] || rm -rf "$media" "$work/media-repo"
fi

echo
echo "scale figures ($(nproc) cores, load now $(cut -d' ' -f1-3 /proc/loadavg)); times median, peaks highest; range:"
column -t -s $'\t' "$results"
