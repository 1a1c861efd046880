import Crypto

/// One pack as an index object records it.
struct IndexedPack: Sendable, Equatable {
    var id: Digest256
    var type: BlobType
    var salt: [UInt8]
    /// The key generation the pack is sealed under (0: the master secret).
    var generation: UInt32 = 0
    /// The pack's size in bytes, so that `check` can verify it without reading it.
    var size: Int
    var entries: [PackEntry]
}

/// The plaintext of an `index/<id>` object (docs/format.md, "Index").
///
/// A pack's record holds its key as one length-prefixed field: the salt, then (version 2
/// only) its key generation as a varint when that is not 0. So a record reads the same in
/// either version and prune copies records between index objects and condemned lists byte
/// for byte; an object is version 2 exactly when one of its packs is of a later generation,
/// and a repository never rotated writes version 1 as it always did.
enum IndexObject {
    static let magic = "RIDX"
    static let version: UInt8 = 1
    /// Index objects that list a pack of a key generation above 0.
    static let generationVersion: UInt8 = 2
    /// Index objects that list a pack with segments (docs/format.md, "Segments"); they may
    /// also name key generations.
    static let segmentVersion: UInt8 = 3

    /// The version an object of these packs is written in.
    static func version(of packs: [IndexedPack]) -> UInt8 {
        if packs.contains(where: { $0.entries.contains { $0.segment != nil } }) { return segmentVersion }
        return packs.contains { $0.generation > 0 } ? generationVersion : version
    }

    /// The version an object of these records (as `records` finds them) is written in.
    static func version(records: [ArraySlice<UInt8>]) -> UInt8 {
        if records.contains(where: recordHasSegments) { return segmentVersion }
        return records.contains(where: recordNamesGeneration) ? generationVersion : version
    }

    /// Whether a record's type byte marks segments after its blobs.
    static func recordHasSegments(_ record: ArraySlice<UInt8>) -> Bool {
        record[record.startIndex + Digest256.byteCount] & SegmentLayout.marker != 0
    }

    /// Whether a record (as `records` finds it) names a key generation: its key field is
    /// longer than the salt alone.
    static func recordNamesGeneration(_ record: ArraySlice<UInt8>) -> Bool {
        record[record.startIndex + Digest256.byteCount + 1] != UInt8(PackLayout.saltByteCount)
    }

    static func encode(_ packs: [IndexedPack]) -> [UInt8] {
        var writer = BinaryWriter(capacity: 64 + packs.reduce(0) { $0 + 60 + $1.entries.count * 44 })
        writer.appendHeader(magic: magic, version: version(of: packs))
        writer.append(varint: packs.count)
        for pack in packs { append(pack, to: &writer) }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> [IndexedPack] {
        var (reader, version) = try packReader(bytes, name: name)
        let packCount = try reader.count(atMost: reader.remaining / 34)
        var packs = [IndexedPack]()
        packs.reserveCapacity(packCount)
        for _ in 0..<packCount { packs.append(try readPack(from: &reader, version: version)) }
        try reader.expectEnd()
        return packs
    }

    /// Adds every pack and blob of an index object to `index` as it reads them (no
    /// intermediate records: loading is bounded by the index itself).
    static func load<Index: IndexObjectLoading>(_ bytes: [UInt8], name: String, into index: inout Index) throws {
        var (reader, version) = try packReader(bytes, name: name)
        for _ in 0..<(try reader.count(atMost: reader.remaining / 34)) {
            let id = try reader.digest()
            let (type, segmented) = try readType(from: &reader, version: version)
            let (salt, generation) = try readKey(from: &reader, version: version)
            let size = try reader.count(atMost: Int(UInt32.max))
            let number = index.register(id: id, type: type, salt: salt, generation: generation, size: size)
            for _ in 0..<(try reader.count(atMost: reader.remaining / 35)) {
                let blob = try reader.digest()
                let offset = try reader.count(atMost: Int(UInt32.max))
                let length = try reader.count(atMost: Int(UInt32.max))
                let plaintextLength = try reader.count(atMost: Int(UInt32.max))
                index.appendUnsorted(id: blob, pack: number, offset: offset, length: length, plaintextLength: plaintextLength, segment: nil)
            }
            if segmented {
                try readSegments(from: &reader, type: type) { entry in
                    index.appendUnsorted(id: entry.id, pack: number, offset: entry.offset, length: entry.length,
                                         plaintextLength: entry.plaintextLength, segment: entry.segment)
                }
            }
        }
        try reader.expectEnd()
    }

    /// A record's type byte: the pack's blob type, and whether segments follow its blobs
    /// (version 3 only, data packs only).
    private static func readType(from reader: inout BinaryReader, version: UInt8) throws(FormatError) -> (BlobType, segmented: Bool) {
        let byte = try reader.byte()
        guard let type = BlobType(rawValue: byte & ~SegmentLayout.marker) else { throw reader.corrupt("unknown blob type") }
        let segmented = byte & SegmentLayout.marker != 0
        guard !segmented || (version >= segmentVersion && type == .data) else { throw reader.corrupt("unknown blob type") }
        return (type, segmented)
    }

    /// The segment list after a marked record's blobs: count, then per segment its offset,
    /// sealed length and members (as in the pack header). Passes each member's entry.
    private static func readSegments(from reader: inout BinaryReader, type: BlobType,
                                     _ body: (PackEntry) throws(FormatError) -> Void) throws(FormatError) {
        let count = try reader.count(atMost: reader.remaining / 68)
        guard count >= 1 else { throw reader.corrupt("segment list without segments") }
        for _ in 0..<count {
            let offset = try reader.count(atMost: Int(UInt32.max))
            let length = try reader.count(atMost: Int(UInt32.max))
            let members = try PackReader.segmentMembers(from: &reader)
            for entry in SegmentLayout.entries(type: type, offset: offset, sealedLength: length, members: members) { try body(entry) }
        }
    }

    /// Where each pack's record lies in an index object's plaintext, by pack id: prune
    /// rewrites index objects by copying the records it keeps, without decoding them.
    static func records(_ bytes: [UInt8], name: String) throws -> [(pack: Digest256, bytes: Range<Int>)] {
        var (reader, version) = try packReader(bytes, name: name)
        var records: [(pack: Digest256, bytes: Range<Int>)] = []
        for _ in 0..<(try reader.count(atMost: reader.remaining / 34)) {
            let start = reader.offset
            let pack = try readPack(from: &reader, version: version, keepingEntries: false).id
            records.append((pack, start..<reader.offset))
        }
        try reader.expectEnd()
        return records
    }

    /// An index object made of pack records copied from others.
    static func encode(records: [ArraySlice<UInt8>]) -> [UInt8] {
        var writer = BinaryWriter(capacity: 16 + records.reduce(0) { $0 + $1.count })
        writer.appendHeader(magic: magic, version: version(records: records))
        writer.append(varint: records.count)
        for record in records { writer.append(raw: record) }
        return writer.bytes
    }

    /// A reader positioned at the pack count, the magic and version checked, and the version.
    private static func packReader(_ bytes: [UInt8], name: String) throws -> (BinaryReader, UInt8) {
        var reader = BinaryReader(bytes, context: name)
        let version = try reader.expectHeader(magic: magic, versions: version...segmentVersion)
        return (reader, version)
    }

    /// A pack's key field: the salt, and in version 2 the generation after it when not 0.
    static func readKey(from reader: inout BinaryReader, version: UInt8) throws(FormatError) -> (salt: [UInt8], generation: UInt32) {
        let key = try reader.data()
        guard key.count >= PackLayout.saltByteCount, version > Self.version || key.count == PackLayout.saltByteCount else {
            throw reader.corrupt("bad pack salt")
        }
        let salt = Array(key[..<PackLayout.saltByteCount])
        guard key.count > PackLayout.saltByteCount else { return (salt, 0) }
        var tail = BinaryReader(Array(key[PackLayout.saltByteCount...]), context: reader.context)
        let generation = try tail.uint32Varint()
        guard generation > 0, tail.isAtEnd else { throw reader.corrupt("bad pack key generation") }
        return (salt, generation)
    }

    /// One pack's record: shared with the condemned list, which holds the same records.
    static func append(_ pack: IndexedPack, to writer: inout BinaryWriter) {
        // A segment's members one after the other, in order (entries may come by id).
        let runs = SegmentLayout.runs(pack.entries.contains { $0.segment != nil } ? pack.entries.sorted(by: PackEntry.packOrder) : pack.entries)
        let alone = runs.filter { $0.first!.segment == nil }.map { $0.first! }
        let segments = runs.filter { $0.first!.segment != nil }
        writer.append(pack.id)
        writer.append(pack.type.rawValue | (segments.isEmpty ? 0 : SegmentLayout.marker))
        if pack.generation == 0 {
            writer.append(data: pack.salt)
        } else {
            var key = BinaryWriter(capacity: 24)
            key.append(raw: pack.salt)
            key.append(varint: UInt64(pack.generation))
            writer.append(data: key.bytes)
        }
        writer.append(varint: pack.size)
        writer.append(varint: alone.count)
        for entry in alone {
            writer.append(entry.id)
            writer.append(varint: entry.offset)
            writer.append(varint: entry.length)
            writer.append(varint: entry.plaintextLength)
        }
        guard !segments.isEmpty else { return }
        writer.append(varint: segments.count)
        for segment in segments {
            writer.append(varint: segment.first!.offset)
            writer.append(varint: segment.first!.length)
            PackReader.appendSegmentMembers(segment, to: &writer)
        }
    }

    static func readPack(from reader: inout BinaryReader, version: UInt8,
                         keepingEntries: Bool = true) throws(FormatError) -> IndexedPack {
        let id = try reader.digest()
        let (type, segmented) = try readType(from: &reader, version: version)
        let (salt, generation) = try readKey(from: &reader, version: version)
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
        if segmented {
            try readSegments(from: &reader, type: type) { entry in if keepingEntries { entries.append(entry) } }
        }
        return IndexedPack(id: id, type: type, salt: salt, generation: generation, size: size, entries: entries)
    }
}

/// What an index object is loaded into, as it is read: the in-memory index (Index folder),
/// which the format need not know.
protocol IndexObjectLoading {
    /// A pack; returns the number its blobs refer to.
    mutating func register(id: Digest256, type: BlobType, salt: [UInt8], generation: UInt32, size: Int) -> UInt32
    /// A blob of pack `pack`, in any order (sorted once all are in); `segment` for a member
    /// of a segment (whose members arrive one after the other).
    mutating func appendUnsorted(id: Digest256, pack: UInt32, offset: Int, length: Int, plaintextLength: Int, segment: SegmentPlace?)
}
