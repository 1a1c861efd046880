#!/usr/bin/env bash
# Assembles a corpus of real files, in two versions, for Benchmarks/compare.sh --corpus DIR:
# synthetic data flatters some choices (chunk sizes, compression), real files do not.
#
#   Benchmarks/real-corpus.sh DIR [--pgbench-scale 10] [--transactions 20000]
#
# DIR/v1 and DIR/v2 each hold (about 470 MB, 6k files at the default scale):
#   lib/    the Swift runtime's shared libraries and modules (/opt/swift/usr/lib/swift/linux):
#           compressible binaries (ELF .so, .swiftmodule); the same in both versions;
#   doc/    Debian's package documentation (/usr/share/doc): small text and .gz files; the same;
#   src/    two releases of two source trees from the machine's copies of Swift packages:
#           swift-syntax 602.0.0 and swift-nio 2.101.2 in v1, 603.0.1 and 2.101.3 in v2;
#   db.sql  a plain-SQL pg_dump of a pgbench database: v1 right after `pgbench -i`, v2 after
#           `--transactions` more (updates every few KB of the dump, as a live shop's).
# Needs PostgreSQL's server binaries (scripts/setup.sh installs them) and git; runs the
# server as the postgres user on a private unix socket, and stops it.
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,16p' "$0"; exit 2; }
out=$1; shift
scale=10
transactions=20000
while [ $# -gt 0 ]; do
    case "$1" in
        --pgbench-scale) scale=$2; shift 2 ;;
        --transactions) transactions=$2; shift 2 ;;
        *) echo "real-corpus.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
packages=/opt/swift-packages
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$pgbin" ] || { echo "real-corpus.sh: PostgreSQL's server is not installed (scripts/setup.sh)" >&2; exit 1; }
[ -d "$packages/apple/swift-nio.git" ] || { echo "real-corpus.sh: no Swift package copies under $packages" >&2; exit 1; }

mkdir -p "$out/v1" "$out/v2"
for version in v1 v2; do
    mkdir -p "$out/$version/lib" "$out/$version/doc" "$out/$version/src"
    cp -a /opt/swift/usr/lib/swift/linux/. "$out/$version/lib/"
    cp -a /usr/share/doc/. "$out/$version/doc/"
done
# Links into files outside the corpus that do not exist (Debian's docs have some) would
# make compare.sh's `diff -r` of a restore fail on both sides alike.
find "$out" -xtype l -delete

# One source release into DIR/VERSION/src/NAME.
release() {
    local repository=$1 tag=$2 version=$3 name
    name=$(basename "$repository" .git)
    mkdir -p "$out/$version/src/$name"
    git -C "$repository" archive "$tag" | tar -x -C "$out/$version/src/$name"
}
release "$packages/swiftlang/swift-syntax.git" 602.0.0 v1
release "$packages/swiftlang/swift-syntax.git" 603.0.1 v2
release "$packages/apple/swift-nio.git" 2.101.2 v1
release "$packages/apple/swift-nio.git" 2.101.3 v2

# The database: a throwaway cluster, owned by postgres (initdb refuses root).
cluster=$(mktemp -d /tmp/real-corpus-pg.XXXXXX)
chown postgres "$cluster"
as_postgres() { runuser -u postgres -- "$@"; }
stop() { as_postgres "$pgbin/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$cluster"; }
trap stop EXIT
as_postgres "$pgbin/initdb" -D "$cluster/data" -A trust -U postgres >/dev/null
as_postgres "$pgbin/pg_ctl" -D "$cluster/data" -o "-k $cluster -c listen_addresses=''" -l "$cluster/log" -w start >/dev/null
as_postgres "$pgbin/createdb" -h "$cluster" shop
as_postgres "$pgbin/pgbench" -h "$cluster" -i -s "$scale" -q shop >/dev/null 2>&1
as_postgres "$pgbin/pg_dump" -h "$cluster" shop > "$out/v1/db.sql"
as_postgres "$pgbin/pgbench" -h "$cluster" -c 2 -t $((transactions / 2)) shop >/dev/null 2>&1
as_postgres "$pgbin/pg_dump" -h "$cluster" shop > "$out/v2/db.sql"

du -sh "$out/v1" "$out/v2"
echo "files: $(find "$out/v1" -type f | wc -l) in v1, $(find "$out/v2" -type f | wc -l) in v2"
