import Crypto
import Foundation
import Storage

/// Job records in the repository: `runs/<id>`, sealed under the metadata key. An id is the
/// record's start time (16 hex digits of milliseconds since 1970) followed by 48 hex digits
/// of the sealed object's SHA-256, so a listing sorts by time and `repo status` reads only
/// the newest records instead of every one, which matters on an object store.
extension Repository {
    /// How many records a repository keeps (the oldest go when a new one is saved): a year
    /// of one nightly job with its drills on a handful of hosts.
    public static let jobRecordsKept = 500

    /// Stores `record`, then removes the oldest beyond `jobRecordsKept`.
    public func saveJobRecord(_ record: JobRecord) throws {
        let sealed = try metadata.seal(Array(try JSONCoding.encoder.encode(record)), kind: .run)
        let milliseconds = UInt64(max(0, record.started.timeIntervalSince1970 * 1000))
        let id = String(format: "%016llx", milliseconds) + SHA256.hash(sealed).hex.prefix(48)
        try backend.write(ObjectName(.runs, id), sealed)
        let names = try backend.list(.runs).map(\.name).sorted { $0.id > $1.id }
        for name in names.dropFirst(Self.jobRecordsKept) { try? backend.delete(name) }
    }

    /// Records newest first, read lazily: `visit` returns false to stop. A record that fails
    /// to open (damaged, or of another repository) is passed over; `check` does not read them.
    public func visitJobRecords(_ visit: (JobRecord) throws -> Bool) throws {
        for info in try backend.list(.runs).sorted(by: { $0.name.id > $1.name.id }) {
            guard let sealed = try? backend.read(info.name),
                  let plaintext = try? metadata.open(sealed, kind: .run, name: "run \(info.name.id.prefix(8))"),
                  let record = try? JSONCoding.decoder.decode(JobRecord.self, from: Data(plaintext)), record.version == 1
            else { continue }
            if try !visit(record) { return }
        }
    }

    /// The repository's packs and their bytes, from the index (load it first).
    public func packTotals() -> (packs: Int, bytes: UInt64) {
        withIndex { index in (index.packs.count, index.packs.reduce(0) { $0 + UInt64(max(0, $1.size)) }) }
    }
}
