/// A pack that a prune took out of the index, with the time it did so.
struct CondemnedPack: Sendable, Equatable {
    var pack: IndexedPack
    /// Seconds since 1970 (UTC) when the pack was first condemned.
    var condemnedAt: Int64
}

/// The plaintext of a `condemned/<id>` object (docs/format.md, "Condemned packs"): packs
/// no longer in the index that wait for a later prune to delete them. Each keeps its index
/// record, so a snapshot that raced the prune can still read its blobs and the next prune
/// can put the pack back into the index instead of deleting it.
enum CondemnedList {
    static let magic = "RCND"
    static let version: UInt8 = 1

    static func encode(_ packs: [CondemnedPack]) -> [UInt8] {
        var body = BinaryWriter(capacity: packs.reduce(0) { $0 + 70 + $1.pack.entries.count * 44 })
        for condemned in packs {
            body.append(int64: condemned.condemnedAt)
            IndexObject.append(condemned.pack, to: &body)
        }
        return encode(count: packs.count, body: body.bytes)
    }

    /// A list of `count` packs already encoded one after the other (time, then record).
    static func encode(count: Int, body: [UInt8]) -> [UInt8] {
        var writer = BinaryWriter(capacity: 16 + body.count)
        writer.appendHeader(magic: magic, version: version)
        writer.append(varint: count)
        writer.append(raw: body)
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> [CondemnedPack] {
        var reader = BinaryReader(bytes, context: name)
        try reader.expectHeader(magic: magic, version: version)
        let count = try reader.count(atMost: reader.remaining / 42)
        var packs = [CondemnedPack]()
        packs.reserveCapacity(count)
        for _ in 0..<count {
            let time = try reader.int64()
            packs.append(CondemnedPack(pack: try IndexObject.readPack(from: &reader), condemnedAt: time))
        }
        try reader.expectEnd()
        return packs
    }
}
