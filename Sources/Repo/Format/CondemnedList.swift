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
    /// Version 2 lists a pack of a key generation above 0 (its record as an index object of
    /// version 2 holds it); a list of generation 0 packs only is version 1, as ever. Version 3
    /// lists a pack with segments, as an index object of version 3 does.
    static let version: UInt8 = 1
    static let generationVersion: UInt8 = 2

    static func encode(_ packs: [CondemnedPack]) -> [UInt8] {
        var body = BinaryWriter(capacity: packs.reduce(0) { $0 + 70 + $1.pack.entries.count * 44 })
        for condemned in packs {
            body.append(int64: condemned.condemnedAt)
            IndexObject.append(condemned.pack, to: &body)
        }
        return encode(count: packs.count, body: body.bytes, version: IndexObject.version(of: packs.map(\.pack)))
    }

    /// A list of `count` packs already encoded one after the other (time, then record), in
    /// `version`: that of an index object of the same records (`IndexObject.version`).
    static func encode(count: Int, body: [UInt8], version: UInt8) -> [UInt8] {
        var writer = BinaryWriter(capacity: 16 + body.count)
        writer.appendHeader(magic: magic, version: version)
        writer.append(varint: count)
        writer.append(raw: body)
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> [CondemnedPack] {
        var reader = BinaryReader(bytes, context: name)
        let version = try reader.expectHeader(magic: magic, versions: version...IndexObject.segmentVersion)
        let count = try reader.count(atMost: reader.remaining / 42)
        var packs = [CondemnedPack]()
        packs.reserveCapacity(count)
        for _ in 0..<count {
            let time = try reader.int64()
            packs.append(CondemnedPack(pack: try IndexObject.readPack(from: &reader, version: version), condemnedAt: time))
        }
        try reader.expectEnd()
        return packs
    }
}
