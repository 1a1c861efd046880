import Crypto
import Foundation
import Storage

/// WAL records in the repository: `wal/<id>`, `<id>` the keyed hash of the file name
/// (docs/format.md, "Version 4: WAL records"). Looked up by name with one read; listed with
/// one listing, each record opened once and then kept decrypted in the local cache.
extension Repository {
    /// The object of the WAL record of `name`.
    func walObjectName(_ name: String) -> ObjectName { ObjectName(.wal, metadata.walRecordID(of: name)) }

    /// The record's object path, `wal/<id>`, for listings (finding a damaged one).
    public func walObjectPath(of name: String) -> String { walObjectName(name).path }

    /// The record of the file `name`, or nil when none is stored.
    public func walRecord(named name: String) throws -> WALRecord? {
        let object = walObjectName(name)
        let sealed: [UInt8]
        do {
            sealed = try backend.read(object)
        } catch BackendError.notFound {
            return nil
        }
        let record = try openWALRecord(sealed, id: object.id)
        guard record.name == name else {
            throw FormatError.corrupt("wal/\(object.id)", "holds the record of \(record.name), not of \(name)")
        }
        return record
    }

    private func openWALRecord(_ sealed: [UInt8], id: String) throws -> WALRecord {
        let label = "WAL record \(id.prefix(8))"
        return try WALRecord.decode(try metadata.open(sealed, kind: .walRecord, name: label, context: Array(id.utf8)), name: label)
    }

    /// Every WAL record that opens, by name, and the ids of those that do not (damaged, or
    /// of a newer version). Decrypted records come from the cache when it has them.
    public func walListing() throws -> (records: [WALRecord], damaged: [(id: String, error: any Error)]) {
        let objects = try backend.list(.wal)
        let cached = cache?.ids("wal") ?? []
        cache?.remove("wal", Array(cached.subtracting(objects.map(\.name.id))))
        var records: [WALRecord] = [], damaged: [(id: String, error: any Error)] = []
        var fresh: [(String, [UInt8])] = []
        for object in objects {
            let id = object.name.id
            if cached.contains(id), let bytes = cache?.get("wal", id), let record = try? WALRecord.decode(bytes, name: id),
               walObjectName(record.name).id == id {
                records.append(record)
                continue
            }
            do {
                let label = "WAL record \(id.prefix(8))"
                let plaintext = try metadata.open(try backend.read(object.name), kind: .walRecord, name: label, context: Array(id.utf8))
                let record = try WALRecord.decode(plaintext, name: label)
                guard walObjectName(record.name).id == id else {
                    throw FormatError.corrupt("wal/\(id)", "holds the record of \(record.name) under another name")
                }
                records.append(record)
                fresh.append((id, plaintext))
            } catch where RepositoryDamage.isDamage(error) {
                damaged.append((id, error))
            }
        }
        cache?.putAll("wal", fresh)
        return (records.sorted { $0.name < $1.name }, damaged)
    }

    /// Every WAL record; a damaged one throws (prune must see all of them).
    public func walRecords() throws -> [WALRecord] {
        let listing = try walListing()
        if let first = listing.damaged.first { throw first.error }
        return listing.records
    }

    /// Stores `record` (its blobs are stored and indexed already).
    func saveWALRecord(_ record: WALRecord) throws {
        let object = walObjectName(record.name)
        let plaintext = try record.encoded()
        try backend.write(object, try metadata.seal(plaintext, kind: .walRecord, context: Array(object.id.utf8)))
        cache?.put("wal", object.id, plaintext)
    }

    public func deleteWALRecord(named name: String) throws {
        let object = walObjectName(name)
        try backend.delete(object)
        cache?.remove("wal", [object.id])
    }

    /// Writes the config again as version 4 unless it is already: done before the first
    /// WAL record, so that no reader that would prune a record's blobs opens a repository
    /// holding one.
    func markWALRecords() throws {
        var config = try Repository.decodeConfig(try backend.read(.config), backend: backend)
        guard config.version < RepositoryConfig.walVersion else { return }
        config.version = RepositoryConfig.walVersion
        try backend.write(.config, try config.encoded())
    }
}
