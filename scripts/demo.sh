#!/usr/bin/env bash
# The main job on a small sample, with a release build: a web application's files and its
# live SQLite database backed up by one job file (`repo run`), twice (the second run stores
# almost nothing), then the database restored (`repo db restore`), a restore drill, the
# files restored and compared with the source, and a full check.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --build-only   # what the build links (the install step shared with scripts/test.sh)
swift build -c release --product repo
repo=$PWD/.build/release/repo

work=$(mktemp -d /tmp/repo-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
export REPO_CONFIG=$work/jobs.toml REPO_STATE_DIR=$work/state REPO_REPOSITORY=$work/repository
echo "demo-password" > "$work/password"
export REPO_PASSWORD_FILE=$work/password

# A small web application: uploads, source, logs (about 20 MB) and a SQLite database.
python3 ../shared/bench/make-corpus.py "$work/app" --size-mb 20 --seed 7 --quiet 2>/dev/null || {
    mkdir -p "$work/app/www"
    for i in $(seq 1 200); do head -c $((RANDOM * 4)) /dev/urandom > "$work/app/www/file$i.bin"; done
}
python3 - "$work/app.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("create table orders (id integer primary key, customer text, total real)")
db.executemany("insert into orders (customer, total) values (?, ?)", ((f"customer {i}", i * 1.5) for i in range(20000)))
db.commit()
PY

cat > "$REPO_CONFIG" <<TOML
[repository.main]
location = "$work/repository"
password-file = "$work/password"
[job.demo]
repository = "main"
paths = ["$work/app"]
exclude = ["*.log"]
keep = { daily = 7, weekly = 4 }
check = { structure = "always", read-data = "1/3" }
[[job.demo.database]]
type = "sqlite"
name = "app"
path = "$work/app.db"
[[job.demo.drill]]
database = "app"
query = "select count(*) from orders"
expect = "= 20000"
TOML

set -x
"$repo" init
"$repo" run demo --dry-run
"$repo" run demo
"$repo" run demo
"$repo" snapshots
"$repo" db list
"$repo" db restore app --into "$work/restored.db"
python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*), sum(total) from orders').fetchone())" "$work/restored.db"
"$repo" drill demo
"$repo" restore latest --path "$work/app" --target "$work/restored" --verify
diff -r --exclude='*.log' "$work/app" "$work/restored$work/app"
"$repo" check --read-data
"$repo" status --max-age 1h     # last run, success, check and drill; exit 18 if stale
"$repo" stats
