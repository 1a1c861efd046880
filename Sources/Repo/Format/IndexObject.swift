import Crypto

/// One pack as an index object records it.
struct IndexedPack: Sendable, Equatable {
    var id: Digest256
    var type: BlobType
    var salt: [UInt8]
    /// The pack's size in bytes, so that `check` can verify it without reading it.
    var size: Int
    var entries: [PackEntry]
}

/// The plaintext of an `index/<id>` object (docs/format.md, "Index").
enum IndexObject {
    static let magic = "RIDX"
    static let version: UInt8 = 1

    static func encode(_ packs: [IndexedPack]) -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + packs.reduce(0) { $0 + 60 + $1.entries.count * 44 })
        writer.appendHeader(magic: magic, version: version)
        writer.append(varint: packs.count)
        for pack in packs { append(pack, to: &writer) }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> [IndexedPack] {
        var reader = try packReader(bytes, name: name)
        let packCount = try reader.count(atMost: reader.remaining / 34)
        var packs = [IndexedPack]()
        packs.reserveCapacity(packCount)
        for _ in 0..<packCount { packs.append(try readPack(from: &reader)) }
        try reader.expectEnd()
        return packs
    }

    /// Adds every pack and blob of an index object to `index` as it reads them (no
    /// intermediate records: loading is bounded by the index itself).
    static func load<Index: IndexObjectLoading>(_ bytes: [UInt8], name: String, into index: inout Index) throws {
        var reader = try packReader(bytes, name: name)
        for _ in 0..<(try reader.count(atMost: reader.remaining / 34)) {
            let id = try reader.digest()
            guard let type = BlobType(rawValue: try reader.byte()) else { throw reader.corrupt("unknown blob type") }
            let salt = try reader.data()
            guard salt.count == PackLayout.saltByteCount else { throw reader.corrupt("bad pack salt") }
            let size = try reader.count(atMost: Int(UInt32.max))
            let number = index.register(id: id, type: type, salt: salt, size: size)
            for _ in 0..<(try reader.count(atMost: reader.remaining / 35)) {
                let blob = try reader.digest()
                let offset = try reader.count(atMost: Int(UInt32.max))
                let length = try reader.count(atMost: Int(UInt32.max))
                let plaintextLength = try reader.count(atMost: Int(UInt32.max))
                index.appendUnsorted(id: blob, pack: number, offset: offset, length: length, plaintextLength: plaintextLength)
            }
        }
        try reader.expectEnd()
    }

    /// Where each pack's record lies in an index object's plaintext, by pack id: prune
    /// rewrites index objects by copying the records it keeps, without decoding them.
    static func records(_ bytes: [UInt8], name: String) throws -> [(pack: Digest256, bytes: Range<Int>)] {
        var reader = try packReader(bytes, name: name)
        var records: [(pack: Digest256, bytes: Range<Int>)] = []
        for _ in 0..<(try reader.count(atMost: reader.remaining / 34)) {
            let start = reader.offset
            let pack = try readPack(from: &reader, keepingEntries: false).id
            records.append((pack, start..<reader.offset))
        }
        try reader.expectEnd()
        return records
    }

    /// An index object made of pack records copied from others.
    static func encode(records: [ArraySlice<UInt8>]) -> [UInt8] {
        var writer = BinaryWriter(capacity: 16 + records.reduce(0) { $0 + $1.count })
        writer.appendHeader(magic: magic, version: version)
        writer.append(varint: records.count)
        for record in records { writer.append(raw: record) }
        return writer.bytes
    }

    /// A reader positioned at the pack count, the magic and version checked.
    private static func packReader(_ bytes: [UInt8], name: String) throws -> BinaryReader {
        var reader = BinaryReader(bytes, context: name)
        try reader.expectHeader(magic: magic, version: version)
        return reader
    }

    /// One pack's record: shared with the condemned list, which holds the same records.
    static func append(_ pack: IndexedPack, to writer: inout BinaryWriter) {
        writer.append(pack.id)
        writer.append(pack.type.rawValue)
        writer.append(data: pack.salt)
        writer.append(varint: pack.size)
        writer.append(varint: pack.entries.count)
        for entry in pack.entries {
            writer.append(entry.id)
            writer.append(varint: entry.offset)
            writer.append(varint: entry.length)
            writer.append(varint: entry.plaintextLength)
        }
    }

    static func readPack(from reader: inout BinaryReader, keepingEntries: Bool = true) throws(FormatError) -> IndexedPack {
        let id = try reader.digest()
        guard let type = BlobType(rawValue: try reader.byte()) else { throw reader.corrupt("unknown blob type") }
        let salt = try reader.data()
        guard salt.count == PackLayout.saltByteCount else { throw reader.corrupt("bad pack salt") }
        let size = try reader.count(atMost: Int(UInt32.max))
        let blobCount = try reader.count(atMost: reader.remaining / 35)
        var entries = [PackEntry]()
        if keepingEntries { entries.reserveCapacity(blobCount) }
        for _ in 0..<blobCount {
            let blob = try reader.digest()
            let offset = try reader.count(atMost: Int(UInt32.max))
            let length = try reader.count(atMost: Int(UInt32.max))
            let plaintextLength = try reader.count(atMost: Int(UInt32.max))
            if keepingEntries {
                entries.append(PackEntry(type: type, id: blob, offset: offset, length: length, plaintextLength: plaintextLength))
            }
        }
        return IndexedPack(id: id, type: type, salt: salt, size: size, entries: entries)
    }
}

/// What an index object is loaded into, as it is read: the in-memory index (Index folder),
/// which the format need not know.
protocol IndexObjectLoading {
    /// A pack; returns the number its blobs refer to.
    mutating func register(id: Digest256, type: BlobType, salt: [UInt8], size: Int) -> UInt32
    /// A blob of pack `pack`, in any order (sorted once all are in).
    mutating func appendUnsorted(id: Digest256, pack: UInt32, offset: Int, length: Int, plaintextLength: Int)
}
