#!/usr/bin/env bash
# Writes the seed corpora Fuzz/corpus/TARGET from real objects (Fuzz/README.md):
#  - a repository made by the built `repo` from a few files (this source tree's Codec and
#    Posix sources, a symlink, an empty directory, an incompressible file), snapshotted
#    twice; the FuzzSeedExport test decrypts its index objects, snapshots, trees, pack
#    headers and blob frames and copies its config and key files;
#  - S3 XML answers and raw HTTP answers captured from moto (python3 -m moto.server),
#    when moto is installed: list pages, multipart replies, errors.
# Needs `swift build` (the `repo` binary and the test build) done. Run from anywhere.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$(mktemp -d)
trap 'kill "${moto:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

repo=$root/.build/debug/repo
mkdir -p "$work/files/source" "$work/files/empty"
cp -r "$root/Sources/Codec" "$root/Sources/Posix" "$work/files/source/"
ln -s source/Codec "$work/files/link"
head -c 300000 /dev/urandom >"$work/files/random.bin"
export REPO_REPOSITORY=$work/repository REPO_PASSWORD=fuzz-seeds
"$repo" init >/dev/null
"$repo" snapshot "$work/files" >/dev/null
echo "one more line" >>"$work/files/source/Codec/LEB128.swift"
"$repo" snapshot "$work/files" >/dev/null

REPO_FUZZ_SEED_REPOSITORY=$REPO_REPOSITORY REPO_FUZZ_SEED_PASSWORD=$REPO_PASSWORD REPO_FUZZ_SEED_OUTPUT=$here/corpus \
    swift test --package-path "$root" --skip-build --filter FuzzSeedExport >/dev/null

if ! python3 -c 'import moto' 2>/dev/null; then
    echo "moto not installed: the s3-xml and http-response seeds are left as they are" >&2
    exit 0
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m moto.server -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.2; done

# Raw answers (status line, headers, body as sent) to a few requests, and their bodies.
python3 - "$port" "$here/corpus" <<'PY'
import hashlib, os, socket, sys

port, corpus = int(sys.argv[1]), sys.argv[2]

def exchange(method, target, body=b""):
    with socket.create_connection(("127.0.0.1", port)) as s:
        head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        s.sendall(head.encode() + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return answer

def seed(target, data):
    os.makedirs(f"{corpus}/{target}", exist_ok=True)
    with open(f"{corpus}/{target}/{hashlib.sha256(data).hexdigest()}", "wb") as f:
        f.write(data)

exchange("PUT", "/seeds")
for i in range(3):
    exchange("PUT", f"/seeds/repository/data/{i:02x}/{i:064x}", b"x" * (i * 100))
answers = [
    exchange("GET", "/seeds?list-type=2&prefix=repository/"),
    exchange("GET", "/seeds?list-type=2&max-keys=2"),
    exchange("POST", "/seeds/repository/data/aa/" + "a" * 64 + "?uploads"),
    exchange("GET", "/seeds?uploads"),
    exchange("GET", "/missing-bucket?list-type=2"),
    exchange("GET", "/seeds/no-such-key"),
    exchange("GET", "/seeds/repository/data/02/" + "2".rjust(64, "0")),
]
seed("http-response", bytes([0x1f]) + exchange("HEAD", "/seeds/repository/data/01/" + "1".rjust(64, "0")))
# Framings moto does not use, written by hand: chunked with an extension and a trailer,
# 100 Continue first, HTTP/1.0 read to the close, two answers on one connection.
answers += [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nETag: \"abc\"\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the close",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 503 Slow Down\r\nContent-Length: 0\r\n\r\n",
]
for answer in answers:
    # Control byte: bit 0 HEAD (else GET), the other bits the read size less one.
    seed("http-response", bytes([0x1e]) + answer)
    body = answer.split(b"\r\n\r\n", 1)[-1]
    if body.lstrip().startswith(b"<"):
        seed("s3-xml", body)
PY
