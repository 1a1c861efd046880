import Crypto
import Foundation
import Posix

/// Brings one archived file back (`wal fetch`, PostgreSQL's restore_command): reads its
/// record and blobs, checks size and SHA-256, and puts the file at `path` atomically (a
/// temporary file beside it, synced, then renamed), so that PostgreSQL never reads half a
/// segment.
public struct WALFetcher {
    let repository: Repository

    public init(repository: Repository) { self.repository = repository }

    /// Writes the file `name` to `path`; `WALError.notFound` when the repository has no such
    /// file. Returns its record.
    @discardableResult
    public func fetch(_ name: String, to path: String) throws -> WALRecord {
        guard WALFileName(name) != nil else { throw WALError.invalidName(name) }
        guard let record = try repository.walRecord(named: name) else { throw WALError.notFound(name: name) }
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.repo-fetch-\(getpid())-" + (path as NSString).lastPathComponent
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw WALError.io(path: temporary, what: "create", code: errno) }
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            defer { Foundation.close(descriptor) }
            let hasher = SHA256Hasher()
            var size: UInt64 = 0
            for blob in record.blobs {
                let bytes = try repository.loadBlob(blob)
                hasher.update(bytes)
                size += UInt64(bytes.count)
                try bytes.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                        if written < 0 {
                            if errno == EINTR { continue }
                            throw WALError.io(path: temporary, what: "write", code: errno)
                        }
                        offset += written
                    }
                }
            }
            guard size == record.size, hasher.finalize().hex == record.sha256 else { throw WALError.mismatch(name: name) }
            guard fsync(descriptor) == 0 else { throw WALError.io(path: temporary, what: "sync", code: errno) }
        }
        guard rename(temporary, path) == 0 else { throw WALError.io(path: path, what: "rename into", code: errno) }
        renamed = true
        return record
    }
}
