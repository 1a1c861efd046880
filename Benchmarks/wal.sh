#!/usr/bin/env bash
# Benchmarks/wal.sh [--segments N]: how many WAL segments a second `repo wal push` archives,
# one repository session per segment (--batch 1) and batched as PostgreSQL drives it (each
# call after the previous one's exit 0, .ready renamed to .done), beside `pgbackrest
# archive-push` (synchronous, zstd, encrypted) on the same segments: real 16 MiB WAL made by
# a throwaway PostgreSQL under pgbench load. Run as root (PostgreSQL runs as postgres) after
# `swift build -c release`. Needs PostgreSQL 15 (Debian) and, for the comparison, pgbackrest.
set -euo pipefail
SEGMENTS=40
while [ $# -gt 0 ]; do
  case "$1" in
    --segments) SEGMENTS="$2"; shift 2 ;;
    *) echo "usage: $0 [--segments N]" >&2; exit 2 ;;
  esac
done
HERE="$(cd "$(dirname "$0")/.." && pwd)"
REPO="$HERE/.build/release/repo"
BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
[ -x "$REPO" ] || { echo "build first: swift build -c release" >&2; exit 1; }
WORK="$(mktemp -d /tmp/wal-bench-XXXXXX)"
chown postgres: "$WORK"
as_pg() { runuser -u postgres -- "$@"; }
cleanup() { as_pg "$BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

# 1. Real WAL: archived by cp while pgbench writes.
as_pg mkdir -p "$WORK/source" "$WORK/sock"
as_pg "$BIN/initdb" -D "$WORK/data" -U postgres -A trust --no-sync >/dev/null
cat >> "$WORK/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$WORK/sock'
port = 5499
wal_level = replica
archive_mode = on
archive_command = 'cp %p $WORK/source/%f'
max_wal_size = 4GB
CONF
as_pg "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null
PG=(-h "$WORK/sock" -p 5499 -U postgres)
as_pg "$BIN/pgbench" -i -q -s 30 "${PG[@]}" postgres >/dev/null 2>&1
while [ "$(ls "$WORK/source" | grep -c '^[0-9A-F]\{24\}$')" -lt "$SEGMENTS" ]; do
  as_pg "$BIN/pgbench" -n -T 5 -c 4 "${PG[@]}" postgres >/dev/null 2>&1
done
as_pg "$BIN/psql" -X -q "${PG[@]}" -c "ALTER SYSTEM SET archive_command = '/bin/true'" -c "SELECT pg_reload_conf()" postgres >/dev/null
FILES=($(ls "$WORK/source" | grep '^[0-9A-F]\{24\}$' | sort | head -n "$SEGMENTS"))
MIB=$(( ${#FILES[@]} * 16 ))
echo "segments: ${#FILES[@]} real WAL segments of 16 MiB ($MIB MiB), $(nproc) cores"

rate() { python3 -c "import sys; n,s=int(sys.argv[1]),float(sys.argv[2]); print(f'{n/s:.1f} segments/s ({n*16/s:.0f} MiB/s), {s:.2f} s')" "$1" "$2"; }
now() { date +%s.%N; }
echo pw > "$WORK/pw"; chown postgres: "$WORK/pw"; chmod 600 "$WORK/pw"
repo_as_pg() { as_pg env HOME="$WORK" "$REPO" --password-file "$WORK/pw" --cache-dir "$WORK/cache" "$@"; }

# 2. repo, one session per segment.
repo_as_pg init -q --repo "$WORK/r1"
start=$(now)
for f in "${FILES[@]}"; do repo_as_pg wal push -q --batch 1 --repo "$WORK/r1" "$WORK/source/$f"; done
echo "repo wal push --batch 1:         $(rate ${#FILES[@]} "$(echo "$(now) - $start" | bc)")"

# 3. repo, batched, driven as PostgreSQL's archiver drives it.
as_pg mkdir -p "$WORK/pg_wal/archive_status"
for f in "${FILES[@]}"; do as_pg cp "$WORK/source/$f" "$WORK/pg_wal/$f"; as_pg touch "$WORK/pg_wal/archive_status/$f.ready"; done
repo_as_pg init -q --repo "$WORK/r2"
start=$(now)
for f in "${FILES[@]}"; do
  repo_as_pg wal push -q --repo "$WORK/r2" "$WORK/pg_wal/$f"
  as_pg mv "$WORK/pg_wal/archive_status/$f.ready" "$WORK/pg_wal/archive_status/$f.done"
done
echo "repo wal push (batch 32):        $(rate ${#FILES[@]} "$(echo "$(now) - $start" | bc)")"
echo "repository sizes: r1 $(du -sm "$WORK/r1" | cut -f1) MiB, r2 $(du -sm "$WORK/r2" | cut -f1) MiB"

# 4. A point-in-time restore from r2: base backup, more load, restore to a noted time,
#    a server on the copy until it has promoted.
PUSH="$REPO wal push --repo $WORK/r2 --password-file $WORK/pw --cache-dir $WORK/cache %p"
as_pg "$BIN/psql" -X -q "${PG[@]}" -c "ALTER SYSTEM SET archive_command = '$PUSH'" -c "SELECT pg_reload_conf()" postgres >/dev/null
start=$(now)
repo_as_pg pg base-backup -q --repo "$WORK/r2" --host "$WORK/sock" --port 5499
echo "repo pg base-backup:             $(echo "$(now) - $start" | bc) s ($(as_pg "$BIN/psql" -X -A -t "${PG[@]}" -c "SELECT pg_size_pretty(pg_database_size('postgres'))" postgres) database)"
as_pg "$BIN/pgbench" -n -T 10 -c 4 "${PG[@]}" postgres >/dev/null 2>&1
MOMENT=$(as_pg "$BIN/psql" -X -A -t "${PG[@]}" -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'" postgres)
COUNT=$(as_pg "$BIN/psql" -X -A -t "${PG[@]}" -c "SELECT count(*) FROM pgbench_history" postgres)
sleep 1
as_pg "$BIN/pgbench" -n -T 5 -c 4 "${PG[@]}" postgres >/dev/null 2>&1
LAST=$(as_pg "$BIN/psql" -X -A -t "${PG[@]}" -c "SELECT pg_walfile_name(pg_current_wal_lsn())" postgres)
as_pg "$BIN/psql" -X -q "${PG[@]}" -c "SELECT pg_switch_wal()" postgres >/dev/null
until [ "$(as_pg "$BIN/psql" -X -A -t "${PG[@]}" -c "SELECT coalesce(last_archived_wal, '') >= '$LAST' FROM pg_stat_archiver" postgres)" = t ]; do sleep 0.5; done
as_pg mkdir -p "$WORK/sock2"
start=$(now)
repo_as_pg pg restore -q --repo "$WORK/r2" --into "$WORK/restored" --to-time "$MOMENT" --no-archive
unpacked=$(echo "$(now) - $start" | bc)
as_pg "$BIN/pg_ctl" -D "$WORK/restored" -l "$WORK/restored.log" -o "-k $WORK/sock2 -p 5498" -w -t 600 start >/dev/null
until [ "$(as_pg "$BIN/psql" -X -A -t -h "$WORK/sock2" -p 5498 -U postgres -c "SELECT pg_is_in_recovery()" postgres)" = f ]; do sleep 0.2; done
total=$(echo "$(now) - $start" | bc)
GOT=$(as_pg "$BIN/psql" -X -A -t -h "$WORK/sock2" -p 5498 -U postgres -c "SELECT count(*) FROM pgbench_history" postgres)
echo "repo pg restore --to-time:       unpacked in $unpacked s, recovered and promoted after $total s; pgbench_history $GOT rows (at the moment: $COUNT)"
as_pg "$BIN/pg_ctl" -D "$WORK/restored" -m immediate stop >/dev/null

# 5. pgbackrest archive-push, synchronous.
if command -v pgbackrest >/dev/null; then
  cat > "$WORK/pgbackrest.conf" <<CONF
[global]
repo1-path=$WORK/pgbr
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=benchmark-passphrase
compress-type=zst
compress-level=3
lock-path=$WORK/lock
log-path=$WORK/log
spool-path=$WORK/spool
log-level-console=warn
log-level-file=off
[main]
pg1-path=$WORK/data
pg1-socket-path=$WORK/sock
pg1-port=5499
CONF
  chown postgres: "$WORK/pgbackrest.conf"
  as_pg pgbackrest --config="$WORK/pgbackrest.conf" --stanza=main stanza-create >/dev/null
  start=$(now)
  for f in "${FILES[@]}"; do as_pg pgbackrest --config="$WORK/pgbackrest.conf" --stanza=main archive-push "$WORK/source/$f"; done
  echo "pgbackrest archive-push (sync):  $(rate ${#FILES[@]} "$(echo "$(now) - $start" | bc)")"
  echo "repository size: pgbackrest $(du -sm "$WORK/pgbr" | cut -f1) MiB"
else
  echo "pgbackrest not installed (apt-get install pgbackrest): no comparison"
fi
