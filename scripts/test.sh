#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need that the
# machine may lack, then `swift test`. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# System C libraries the package links (Debian names); faketime, with which the
# end-to-end prune tests make a live process's lock look stale; openssl, whose s_server
# and certificate tool the TLS tests of the HTTP client use.
missing=()
for package in zlib1g-dev libzstd-dev libssl-dev libsqlite3-dev faketime openssl; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi

# moto's S3 server, which the S3 tests start on 127.0.0.1 (Tests/RepoTests/S3Support), into the
# python3 on PATH (the one the tests run); a Debian python3 refuses plain pip installs (PEP 668).
if ! python3 -c 'import moto.server' >/dev/null 2>&1; then
    echo "installing moto[server]"
    pip_install=(python3 -m pip install --quiet --disable-pip-version-check)
    "${pip_install[@]}" 'moto[server]' 2>/dev/null || "${pip_install[@]}" --break-system-packages 'moto[server]'
    python3 -c 'import moto.server'
fi

swift build --build-tests
swift test --skip-build
