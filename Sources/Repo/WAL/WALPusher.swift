import Crypto
import Foundation
import Posix
import Workers

/// One file to archive: its name (as PostgreSQL gives it) and where it is.
public struct WALFile: Sendable, Hashable {
    public let name: String
    public let path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

/// What became of one file of a push.
public enum WALPushOutcome: Sendable, Equatable {
    /// Stored now: its blobs, index and record are committed.
    case stored
    /// The same bytes were archived before: nothing written.
    case alreadyArchived
    /// A different file of that name is archived: nothing written (`WALError.conflict`).
    case conflict

    /// Whether the file is durably in the repository (PostgreSQL may recycle it).
    public var isArchived: Bool { self != .conflict }
}

/// One file's outcome, with the fingerprint it was compared by.
public struct WALPushResult: Sendable, Equatable {
    public let file: WALFile
    public let outcome: WALPushOutcome
    public let sha256: String
    public let size: UInt64
    /// The file's identity while it was hashed (`WALFileIdentity`), nil when it changed
    /// meanwhile.
    public let identity: String?
}

/// What identifies one version of a file without reading it: device, inode, size, and
/// modification and change times to the nanosecond. A segment PostgreSQL completed is
/// never written again under its name; a recycled one is renamed first (a new name) and
/// then written (new times), so an unchanged identity is the same bytes.
public enum WALFileIdentity {
    public static func of(path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return text(status)
    }

    static func of(descriptor: Int32) -> String? {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        return text(status)
    }

    private static func text(_ s: stat) -> String {
        "\(s.st_dev):\(s.st_ino):\(s.st_size):\(s.st_mtim.tv_sec).\(s.st_mtim.tv_nsec):\(s.st_ctim.tv_sec).\(s.st_ctim.tv_nsec)"
    }
}

/// Archives WAL files into the repository: each file's bytes become data blobs through the
/// normal blob path (chunked, compressed, sealed, packed and indexed), then a WAL record
/// names them. Returns only once every stored file's packs, index objects and record are
/// written (a local write is synced, an S3 PUT answered), so an outcome `.stored` is durable.
public struct WALPusher {
    let repository: Repository
    /// Compression and sealing workers.
    var jobs: Int
    /// Runs just before the first record is written, after the blobs are stored (the
    /// command passes its lock's `ensureHeld`).
    var beforeCommit: () throws -> Void

    public init(repository: Repository, jobs: Int = 2, beforeCommit: @escaping () throws -> Void = {}) {
        self.repository = repository
        self.jobs = jobs
        self.beforeCommit = beforeCommit
    }

    /// The SHA-256 and size of a file's bytes, and its identity when it did not change
    /// while it was read.
    public static func fingerprint(path: String) throws -> (sha256: String, size: UInt64, identity: String?) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw WALError.io(path: path, what: "read", code: errno) }
        defer { Foundation.close(descriptor) }
        let before = WALFileIdentity.of(descriptor: descriptor)
        let hasher = SHA256Hasher()
        var size: UInt64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress!, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw WALError.io(path: path, what: "read", code: errno)
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            size += UInt64(count)
        }
        let after = WALFileIdentity.of(descriptor: descriptor)
        return (hasher.finalize().hex, size, before == after ? before : nil)
    }

    /// Archives `files` in one session. A file whose name is archived already is compared
    /// by SHA-256 and size: the same is `.alreadyArchived`, a different one `.conflict`.
    public func push(_ files: [WALFile]) throws -> [WALPushResult] {
        var outcomes: [WALPushOutcome?] = Array(repeating: nil, count: files.count)
        var fresh: [(index: Int, sha256: String, size: UInt64)] = []
        var prints: [(sha256: String, size: UInt64, identity: String?)] = []
        for (index, file) in files.enumerated() {
            guard WALFileName(file.name) != nil else { throw WALError.invalidName(file.name) }
            let print = try Self.fingerprint(path: file.path)
            prints.append(print)
            if let existing = try repository.walRecord(named: file.name) {
                outcomes[index] = existing.sha256 == print.sha256 && existing.size == print.size ? .alreadyArchived : .conflict
            } else {
                fresh.append((index, print.sha256, print.size))
            }
        }
        func results() -> [WALPushResult] {
            files.indices.map { WALPushResult(file: files[$0], outcome: outcomes[$0]!, sha256: prints[$0].sha256, size: prints[$0].size,
                          identity: prints[$0].identity) }
        }
        guard !fresh.isEmpty else { return results() }

        let sink = BlobSink(repository: repository, workers: jobs)
        var records: [(index: Int, record: WALRecord)] = []
        do {
            let reader = try ContentReader(repository: repository, sink: sink, cancellation: .process)
            for (index, sha256, size) in fresh {
                let file = files[index]
                let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw WALError.io(path: file.path, what: "read", code: errno) }
                defer { Foundation.close(descriptor) }
                let before = reader.bytesRead
                let pieces = try reader.read(FileDescriptor(rawValue: descriptor), expectedSize: size)
                guard reader.bytesRead - before == size else { throw WALError.mismatch(name: file.name) }
                let blobs = pieces.compactMap { piece -> Digest256? in
                    if case .blob(let id) = piece { return id }
                    return nil
                }
                records.append((index, WALRecord(name: file.name, size: size, sha256: sha256, blobs: blobs,
                                                 archived: Date(), host: Host.name)))
            }
            try reader.flush()
            try sink.finish()
        } catch {
            try? sink.finish()
            throw error
        }
        try beforeCommit()
        try repository.markWALRecords()
        for (index, record) in records {
            try repository.saveWALRecord(record)
            outcomes[index] = .stored
        }
        return results()
    }
}
