import Crypto
import Foundation

/// One archived PostgreSQL file (docs/format.md, "Version 4: WAL records"): its name, size
/// and SHA-256, and the data blobs that hold its bytes in order. Stored as `wal/<id>`,
/// `<id>` the keyed hash of the name, sealed under the metadata key with the id as
/// associated data.
public struct WALRecord: Codable, Sendable, Equatable {
    public var version = 1
    /// The file's name as PostgreSQL gave it (`WALFileName`).
    public var name: String
    public var size: UInt64
    /// SHA-256 of the file's bytes, hex: what a second push of the name is compared with,
    /// and what fetch verifies before it writes the file.
    public var sha256: String
    public var blobs: [Digest256]
    /// When it was archived (the push's clock).
    public var archived: Date
    public var host: String

    public init(name: String, size: UInt64, sha256: String, blobs: [Digest256], archived: Date, host: String) {
        self.name = name
        self.size = size
        self.sha256 = sha256
        self.blobs = blobs
        self.archived = archived
        self.host = host
    }

    public var fileName: WALFileName? { WALFileName(name) }

    func encoded() throws -> [UInt8] { Array(try JSONCoding.encoder.encode(self)) }

    static func decode(_ bytes: [UInt8], name: String) throws -> WALRecord {
        struct Version: Decodable { var version: Int }
        if let version = try? JSONCoding.decoder.decode(Version.self, from: Data(bytes)), version.version > 1 {
            throw FormatError.unsupportedVersion(object: name, version: version.version, supported: 1)
        }
        guard let record = try? JSONCoding.decoder.decode(WALRecord.self, from: Data(bytes)), record.fileName != nil else {
            throw FormatError.corrupt(name, "WAL record does not decode")
        }
        return record
    }
}
