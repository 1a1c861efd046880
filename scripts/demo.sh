#!/usr/bin/env bash
# The first-use flow on a small sample, with a release build: init, snapshot, an
# unchanged re-snapshot, snapshots, restore (verified against the source), check.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --build-only   # the C libraries the build links (shared with scripts/test.sh)
swift build -c release --product repo
repo=$PWD/.build/release/repo

work=$(mktemp -d /tmp/repo-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
export REPO_REPOSITORY=$work/repository REPO_PASSWORD=demo-password

# A small web application: a database dump, uploads, source, logs (about 20 MB).
python3 ../shared/bench/make-corpus.py "$work/app" --size-mb 20 --seed 7 --quiet 2>/dev/null || {
    mkdir -p "$work/app/www" "$work/app/db"
    for i in $(seq 1 200); do head -c $((RANDOM * 4)) /dev/urandom > "$work/app/www/file$i.bin"; done
    seq 1 200000 | sed 's/^/INSERT INTO t VALUES (/; s/$/);/' > "$work/app/db/dump.sql"
}

set -x
"$repo" init
"$repo" snapshot "$work/app" --tag demo
"$repo" snapshot "$work/app" --tag demo
"$repo" snapshots
"$repo" restore latest --target "$work/restored" --verify
diff -r "$work/app" "$work/restored$work/app"
"$repo" check --read-data
"$repo" stats
