#!/usr/bin/env bash
# The one install step both README commands share: everything a fresh Debian machine with
# the Swift toolchain lacks to build `repo`, run the demo and run the whole test suite.
# Idempotent and quiet when nothing is missing.
#   - zlib1g-dev libzstd-dev libssl-dev libsqlite3-dev: the C libraries the package links;
#   - python3: the demo's corpus generator and moto's S3 server;
#   - faketime: end-to-end prune tests make a live process's lock look stale;
#   - openssl: the HTTP client's TLS tests use s_server and its certificate tool;
#   - postgresql, mariadb-server, mariadb-client, sqlite3: real database servers and clients
#     for the database source, restore and drill tests (started by the tests themselves);
#   - systemd (for `systemd-analyze verify` of generated units; nothing is started) and cron;
#   - openssh-server and openssh-client: the SFTP backend's tests start their own sshd on loopback
#     with their own host and user keys (the system's sshd is never started);
#   - aiosmtpd (PyPI): the SMTP server the mail notification tests start on loopback.
# `--faults` installs what Benchmarks/faults/run.sh needs besides the build: python3 and
# strace (its syscall injection places the kills and the ENOSPC errors).
set -euo pipefail

packages=(zlib1g-dev libzstd-dev libssl-dev libsqlite3-dev pkg-config python3 python3-pip faketime openssl
          postgresql postgresql-client mariadb-server mariadb-client sqlite3 systemd cron
          openssh-server openssh-client)
[ "${1:-}" = "--build-only" ] && packages=(zlib1g-dev libzstd-dev libssl-dev libsqlite3-dev pkg-config python3)
[ "${1:-}" = "--faults" ] && packages=(zlib1g-dev libzstd-dev libssl-dev libsqlite3-dev pkg-config python3 strace)

missing=()
for package in "${packages[@]}"; do
    # Installed, not merely known: a removed package keeps its configuration and a status.
    [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" = "install ok installed" ] || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # Servers are only installed, not started (the tests start their own on loopback): a
    # policy-rc.d for the length of the install, removed after unless it was there before.
    blocker=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        blocker=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$blocker" >/dev/null && $sudo chmod +x "$blocker"
    fi
    status=0
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null || status=$?
    [ -n "$blocker" ] && $sudo rm -f "$blocker"
    [ $status -eq 0 ] || { echo "setup: apt-get install failed (status $status)" >&2; exit $status; }
fi

[ "${1:-}" = "--build-only" ] || [ "${1:-}" = "--faults" ] && exit 0

# moto's S3 server, which the S3 tests start on 127.0.0.1 (Tests/TestSupport/MotoServer.swift), into the
# python3 on PATH (the one the tests run); a Debian python3 refuses plain pip installs (PEP 668).
if ! python3 -c 'import moto.server' >/dev/null 2>&1; then
    echo "setup: installing moto[server]"
    pip_install=(python3 -m pip install --quiet --disable-pip-version-check)
    "${pip_install[@]}" 'moto[server]' 2>/dev/null || "${pip_install[@]}" --break-system-packages 'moto[server]'
    python3 -c 'import moto.server'
fi
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    echo "setup: installing aiosmtpd"
    pip_install=(python3 -m pip install --quiet --disable-pip-version-check)
    "${pip_install[@]}" aiosmtpd 2>/dev/null || "${pip_install[@]}" --break-system-packages aiosmtpd
    python3 -c 'import aiosmtpd'
fi
