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
        writer.append(magic: magic)
        writer.append(version)
        writer.append(varint: packs.count)
        for pack in packs { append(pack, to: &writer) }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> [IndexedPack] {
        var reader = BinaryReader(bytes, context: name)
        try reader.expect(magic: magic)
        let version = try reader.byte()
        guard version == Self.version else {
            throw FormatError.unsupportedVersion(object: name, version: Int(version), supported: Int(Self.version))
        }
        let packCount = try reader.count(atMost: reader.remaining / 34)
        var packs = [IndexedPack]()
        packs.reserveCapacity(packCount)
        for _ in 0..<packCount { packs.append(try readPack(from: &reader)) }
        try reader.expectEnd()
        return packs
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

    static func readPack(from reader: inout BinaryReader) throws(FormatError) -> IndexedPack {
        let id = try reader.digest()
        guard let type = BlobType(rawValue: try reader.byte()) else { throw reader.corrupt("unknown blob type") }
        let salt = try reader.data()
        guard salt.count == PackLayout.saltByteCount else { throw reader.corrupt("bad pack salt") }
        let size = try reader.count(atMost: Int(UInt32.max))
        let blobCount = try reader.count(atMost: reader.remaining / 35)
        var entries = [PackEntry]()
        entries.reserveCapacity(blobCount)
        for _ in 0..<blobCount {
            let blob = try reader.digest()
            let offset = try reader.count(atMost: Int(UInt32.max))
            let length = try reader.count(atMost: Int(UInt32.max))
            let plaintextLength = try reader.count(atMost: Int(UInt32.max))
            entries.append(PackEntry(type: type, id: blob, offset: offset, length: length, plaintextLength: plaintextLength))
        }
        return IndexedPack(id: id, type: type, salt: salt, size: size, entries: entries)
    }
}
