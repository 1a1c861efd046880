import Crypto
import Foundation

/// One snapshot: when, where, what, and the root of its tree (docs/format.md, "Snapshots").
public struct Snapshot: Codable, Sendable, Equatable {
    public var version = 1
    public var time: Date
    public var host: String
    public var user: String
    public var uid: UInt32
    public var gid: UInt32
    public var paths: [String]
    public var tags: [String]
    public var tree: Digest256
    public var parent: String?
    /// Some files could not be read; `problems` says which and why.
    public var partial: Bool
    public var problems: [String]
    public var summary: Summary
    /// The id of the snapshot this one is a copy of, in the repository it was copied from
    /// (`repo copy`); nil for a snapshot taken here. Absent from the JSON when nil.
    public var copiedFrom: String?
    /// A PostgreSQL base backup's WAL positions (`repo pg base-backup`); nil for any other
    /// snapshot. Absent from the JSON when nil.
    public var postgres: PostgresBaseBackup?

    enum CodingKeys: String, CodingKey {
        case version, time, host, user, uid, gid, paths, tags, tree, parent, partial, problems, summary
        case copiedFrom = "copied_from", postgres
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var filesNew = 0
        public var filesChanged = 0
        public var filesUnchanged = 0
        public var directories = 0
        public var bytesRead: UInt64 = 0
        public var bytesTotal: UInt64 = 0
        public var bytesAdded: UInt64 = 0
        public var blobsAdded = 0
        public var durationSeconds = 0.0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case filesNew = "files_new", filesChanged = "files_changed", filesUnchanged = "files_unchanged"
            case directories = "dirs", bytesRead = "bytes_read", bytesTotal = "bytes_total", bytesAdded = "bytes_added"
            case blobsAdded = "blobs_added", durationSeconds = "duration_seconds"
        }
    }

    public init(time: Date, host: String, user: String, uid: UInt32, gid: UInt32, paths: [String], tags: [String],
                tree: Digest256, parent: String?, problems: [String], summary: Summary) {
        self.time = time
        self.host = host
        self.user = user
        self.uid = uid
        self.gid = gid
        self.paths = paths
        self.tags = tags
        self.tree = tree
        self.parent = parent
        self.partial = !problems.isEmpty
        self.problems = problems
        self.summary = summary
    }

    func encoded() throws -> [UInt8] { Array(try JSONCoding.encoder.encode(self)) }

    static func decode(_ bytes: [UInt8], name: String) throws -> Snapshot {
        struct Version: Decodable { var version: Int }
        if let version = try? JSONCoding.decoder.decode(Version.self, from: Data(bytes)), version.version > 1 {
            throw FormatError.unsupportedVersion(object: name, version: version.version, supported: 1)
        }
        do {
            return try JSONCoding.decoder.decode(Snapshot.self, from: Data(bytes))
        } catch {
            throw FormatError.corrupt(name, "snapshot does not decode")
        }
    }
}

/// A snapshot with the id of the object it was read from.
public struct StoredSnapshot: Sendable, Equatable {
    public let id: String
    public let snapshot: Snapshot

    public var shortID: String { String(id.prefix(8)) }
}
