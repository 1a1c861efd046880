#!/usr/bin/env bash
# The SFTP figures of compare.sh --sftp: a first snapshot of TREE and a full restore of it,
# each into a local repository and into one over SFTP on loopback (an sshd of its own,
# Benchmarks/sftp-server.sh), for repo and for restic's SFTP backend (-o sftp.command with
# the same ssh command line). Prints wall and CPU seconds and each tool's SFTP/local ratio.
#
#   Benchmarks/sftp-compare.sh --tree DIR --work DIR [--repo-bin PATH] [--tools repo,restic]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
tree= work= repo_bin="$here/.build/release/repo" tools=repo,restic
while [ $# -gt 0 ]; do
    case "$1" in
        --tree) tree=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --repo-bin) repo_bin=$2; shift 2 ;;
        --tools) tools=$2; shift 2 ;;
        *) echo "sftp-compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -d "$tree" ] && [ -n "$work" ] || { echo "usage: $0 --tree DIR --work DIR [--repo-bin PATH] [--tools repo,restic]" >&2; exit 2; }
rm -rf "$work"; mkdir -p "$work"
"$here/Benchmarks/sftp-server.sh" start "$work/sshd"
trap '"$here/Benchmarks/sftp-server.sh" stop "$work/sshd"' EXIT
ssh_command="$(cat "$work/sshd/ssh-command") -s sftp"
port=$(cat "$work/sshd/port")
results="$work/results.tsv"; : > "$results"

measure() {  # TOOL WHERE STEP COMMAND
    /usr/bin/time -f "%e %U %S" -o "$work/time.txt" bash -c "$4" > "$work/$1-$2-$3.log" 2>&1 || {
        echo "sftp-compare.sh: $1 $3 ($2) failed, see $work/$1-$2-$3.log" >&2; exit 1; }
    read -r wall user sys < "$work/time.txt"
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$wall" "$(echo "$user + $sys" | bc)" >> "$results"
}

export REPO_PASSWORD=compare RESTIC_PASSWORD=compare RESTIC_CACHE_DIR="$work/restic-cache" XDG_CACHE_HOME="$work/cache"
IFS=, read -ra wanted <<< "$tools"
for tool in "${wanted[@]}"; do
    command -v "$tool" >/dev/null || [ "$tool" = repo ] || { echo "sftp-compare.sh: $tool not installed, skipped" >&2; continue; }
    for where in local sftp; do
        target="$work/$tool-$where-restore"
        case "$tool-$where" in
            repo-local) run="'$repo_bin' -r '$work/repo-local'" ;;
            repo-sftp) run="'$repo_bin' -r 'sftp://$(id -un)@127.0.0.1:$port/$work/repo-sftp' --sftp-command '$ssh_command'" ;;
            restic-local) run="restic -r '$work/restic-local'" ;;
            restic-sftp) run="restic -r 'sftp:$(id -un)@127.0.0.1:$work/restic-sftp' -o sftp.command='$ssh_command'" ;;
            *) continue ;;
        esac
        bash -c "$run init" > "$work/$tool-$where-init.log" 2>&1
        if [ "$tool" = repo ]; then snap="$run snapshot '$tree'"; else snap="$run backup '$tree'"; fi
        measure "$tool" "$where" snapshot "$snap"
        measure "$tool" "$where" restore "$run restore latest --target '$target'"
        diff -r "$tree" "$target$tree" > /dev/null || { echo "sftp-compare.sh: $tool ($where) restored another tree" >&2; exit 1; }
        rm -rf "$target"
    done
done

python3 - "$results" "$(du -sb "$tree" | cut -f1)" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    tool, where, step, wall, cpu = line.split("\t")
    rows[(tool, where, step)] = (float(wall), float(cpu))
mb = int(sys.argv[2]) / 1e6
print(f"\nSFTP on loopback, {mb:.0f} MB tree: wall s (cpu s)")
print(f"{'step':<10}" + "".join(f"{t + ' ' + w:>20}" for t in ("repo", "restic") for w in ("local", "sftp")) + f"{'repo sftp/local':>17}{'restic sftp/local':>19}{'restic/repo sftp':>18}")
for step in ("snapshot", "restore"):
    line = f"{step:<10}"
    for t in ("repo", "restic"):
        for w in ("local", "sftp"):
            wall, cpu = rows.get((t, w, step), (None, None))
            line += f"{'-':>20}" if wall is None else f"{f'{wall:.2f} ({cpu:.2f})':>20}"
    ratio = lambda a, b: f"{a[0] / b[0]:.2f}" if a and b else "-"
    g = lambda t, w: rows.get((t, w, step))
    line += f"{ratio(g('repo', 'sftp'), g('repo', 'local')):>17}{ratio(g('restic', 'sftp'), g('restic', 'local')):>19}{ratio(g('restic', 'sftp'), g('repo', 'sftp')):>18}"
    print(line)
PY
