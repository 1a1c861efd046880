import Crypto
import Foundation

/// What a batched `wal push` remembers locally (docs/guide.md, "PostgreSQL point-in-time
/// recovery"): the files it archived ahead of PostgreSQL's asking, each durably in the
/// repository before it is written here. A later push of the same name and bytes returns
/// at once, without opening the repository (whose key derivation costs a scrypt).
///
/// One small file per archived name, holding its SHA-256 and size and the file's identity
/// when it was hashed (`WALFileIdentity`), under the cache directory in a directory named
/// after the repository's location. A file whose identity is unchanged is acknowledged
/// without reading it; another is hashed, and acknowledged only with the same SHA-256 and
/// size: other bytes go to the repository, which refuses them.
public struct WALSpool: Sendable {
    public let directory: String

    public init(cacheDirectory: String, location: String) {
        directory = cacheDirectory + "/wal-spool/" + SHA256.hash(Array(location.utf8)).hex.prefix(16)
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private static func entry(sha256: String, size: UInt64, identity: String?) -> String {
        "\(sha256) \(size)\n" + (identity.map { $0 + "\n" } ?? "")
    }

    /// Whether the file at `path`, named `name`, was archived by an earlier push with the
    /// same bytes.
    public func acknowledges(_ name: String, path: String) throws -> Bool {
        guard WALFileName(name) != nil, let text = try? String(contentsOfFile: self.path(name), encoding: .utf8) else { return false }
        let lines = text.split(separator: "\n").map(String.init)
        if lines.count == 2, let identity = WALFileIdentity.of(path: path), lines[1] == identity { return true }
        let print = try WALPusher.fingerprint(path: path)
        return lines.first == "\(print.sha256) \(print.size)"
    }

    /// Whether an entry exists for `name`, whatever its bytes.
    public func contains(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// Remembers files the repository holds durably. Best effort: a spool that cannot be
    /// written only costs the next push a repository session.
    public func remember(_ results: [WALPushResult]) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        for result in results where result.outcome.isArchived {
            try? Self.entry(sha256: result.sha256, size: result.size, identity: result.identity).write(toFile: path(result.file.name), atomically: true, encoding: .utf8)
        }
    }

    /// Drops the entry of a file PostgreSQL has been told is archived (it will not ask again).
    public func forget(_ name: String) {
        guard WALFileName(name) != nil else { return }
        unlink(path(name))
    }
}

/// The files PostgreSQL has marked ready for archiving beside the one it asked for: the
/// `.ready` markers in `archive_status/` of the file's directory, oldest first.
public enum WALReadyFiles {
    /// History files first: PostgreSQL archives them before segments too.
    private static func historyLast(_ name: String) -> Int { WALFileName(name)?.kind == .history ? 0 : 1 }

    public static func following(_ file: WALFile, limit: Int, skipping skip: (String) -> Bool) -> [WALFile] {
        guard limit > 0 else { return [] }
        let directory = (file.path as NSString).deletingLastPathComponent
        let status = (directory.isEmpty ? "." : directory) + "/archive_status"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: status) else { return [] }
        let names = entries.filter { $0.hasSuffix(".ready") }.map { String($0.dropLast(6)) }
            .filter { $0 != file.name && WALFileName($0) != nil && !skip($0) }
            .sorted { (historyLast($0), $0) < (historyLast($1), $1) }
        return names.prefix(limit).map { WALFile(name: $0, path: (directory.isEmpty ? "" : directory + "/") + $0) }
    }
}
