import Codec
import Crypto
import Storage

/// Opens packs and the blobs in them.
struct PackReader {
    let keys: RepositoryKeys

    /// The preamble and header of a whole pack, checked against the pack's own layout.
    func header(of pack: [UInt8], name: String) throws -> (preamble: PackPreamble, entries: [PackEntry]) {
        let preamble = try self.preamble(pack, name: name)
        return (preamble, try header(preamble: preamble, tail: pack[...], packSize: pack.count, name: name))
    }

    /// Checks the magic and version at the start of a pack (at least its first
    /// `PackLayout.maximumPreambleByteCount` bytes, or the whole pack when shorter) and
    /// returns what its preamble says: version 1, generation 0 and the salt; version 2, the
    /// generation (u32) and the salt.
    func preamble(_ start: [UInt8], name: String) throws -> PackPreamble {
        guard start.count >= PackLayout.preambleByteCount, Array(start[0..<4]) == PackLayout.magic else {
            throw FormatError.corrupt(name, "not a pack")
        }
        switch start[4] {
        case PackLayout.version:
            return PackPreamble(generation: 0, salt: Array(start[5..<PackLayout.preambleByteCount]))
        case PackLayout.generationVersion:
            guard start.count >= PackLayout.maximumPreambleByteCount else { throw FormatError.corrupt(name, "not a pack") }
            let generation = (0..<4).reduce(UInt32(0)) { $0 | UInt32(start[5 + $1]) << UInt32(8 * $1) }
            // Generation 0 is always written as version 1: one layout per generation.
            guard generation > 0 else { throw FormatError.corrupt(name, "version 2 pack of generation 0") }
            return PackPreamble(generation: generation, salt: Array(start[9..<PackLayout.maximumPreambleByteCount]))
        default:
            throw FormatError.unsupportedVersion(object: name, version: Int(start[4]), supported: Int(PackLayout.generationVersion))
        }
    }

    /// The length of the sealed header, from the last four bytes of a pack.
    static func headerLength(trailer: ArraySlice<UInt8>) -> Int {
        var length = 0
        for (i, byte) in trailer.suffix(4).enumerated() { length |= Int(byte) << (8 * i) }
        return length
    }

    /// Decodes the header from `tail`, the last bytes of a pack of `packSize` bytes (at
    /// least the header and trailer), and checks that the blobs it lists fill the pack
    /// exactly up to the header.
    func header(preamble: PackPreamble, tail: ArraySlice<UInt8>, packSize: Int, name: String) throws -> [PackEntry] {
        let (plaintext, headerStart) = try openHeader(preamble: preamble, tail: tail, packSize: packSize, name: name)
        return try Self.entries(plaintext: plaintext, headerStart: headerStart, preambleByteCount: preamble.byteCount, name: name)
    }

    /// The decrypted header found at the end of `tail` (see `header(preamble:tail:packSize:name:)`)
    /// and where in the pack its sealed bytes start.
    func openHeader(preamble: PackPreamble, tail: ArraySlice<UInt8>, packSize: Int,
                    name: String) throws -> (plaintext: [UInt8], headerStart: Int) {
        let preambleByteCount = preamble.byteCount
        guard packSize >= preambleByteCount + AES256GCM.overhead + PackLayout.trailerByteCount,
              tail.count >= PackLayout.trailerByteCount else {
            throw FormatError.corrupt(name, "too short to be a pack")
        }
        let headerLength = Self.headerLength(trailer: tail)
        let headerStart = packSize - PackLayout.trailerByteCount - headerLength
        guard headerLength >= AES256GCM.overhead, headerStart >= preambleByteCount,
              headerLength + PackLayout.trailerByteCount <= tail.count else {
            throw FormatError.corrupt(name, "header length \(headerLength) does not fit the pack")
        }
        let sealedStart = tail.endIndex - PackLayout.trailerByteCount - headerLength
        let cipher = try AES256GCM(key: keys.packKey(generation: preamble.generation, salt: preamble.salt))
        do {
            let plaintext = try cipher.open(Array(tail[sealedStart..<sealedStart + headerLength]), aad: PackLayout.headerAssociatedData)
            return (plaintext, headerStart)
        } catch {
            throw FormatError.corrupt(name, "pack header fails authentication")
        }
    }

    /// The entries a decrypted header lists, checked to fill the pack from the end of the
    /// preamble (`preambleByteCount`: 21, or 25 with a key generation) exactly up to
    /// `headerStart`. Takes any bytes (the fuzz target `pack-header` feeds it arbitrary
    /// ones): a hostile header yields a `FormatError`, never a crash.
    static func entries(plaintext: [UInt8], headerStart: Int, preambleByteCount: Int = PackLayout.preambleByteCount,
                        name: String) throws(FormatError) -> [PackEntry] {
        var reader = BinaryReader(plaintext, context: name)
        let count = try reader.count(atMost: plaintext.count / 34)
        var entries = [PackEntry]()
        entries.reserveCapacity(count)
        var offset = preambleByteCount
        for _ in 0..<count {
            let typeByte = try reader.byte()
            guard let type = BlobType(rawValue: typeByte & ~SegmentLayout.marker) else { throw reader.corrupt("unknown blob type") }
            if typeByte & SegmentLayout.marker != 0 {
                // A segment: its sealed length, then its members (id, plaintext length).
                guard type == .data else { throw reader.corrupt("segment of tree blobs") }
                let length = try reader.count(atMost: headerStart - offset)
                guard length >= AES256GCM.overhead + 1 else { throw reader.corrupt("segment length \(length) too short") }
                let members = try Self.segmentMembers(from: &reader)
                entries += SegmentLayout.entries(type: type, offset: offset, sealedLength: length, members: members)
                offset += length
                continue
            }
            let id = try reader.digest()
            let length = try reader.count(atMost: headerStart - offset)
            let plaintextLength = try reader.count(atMost: Int(UInt32.max))
            guard length >= AES256GCM.overhead + 1 else { throw reader.corrupt("blob length \(length) too short") }
            entries.append(PackEntry(type: type, id: id, offset: offset, length: length, plaintextLength: plaintextLength))
            offset += length
        }
        try reader.expectEnd()
        guard offset == headerStart else { throw FormatError.corrupt(name, "blobs do not end where the header starts") }
        return entries
    }

    /// A segment's member list, as the pack header and the index hold it: count, then per
    /// member its id and plaintext length. At least two members, and a segment's plaintext
    /// fits 32 bits.
    static func segmentMembers(from reader: inout BinaryReader) throws(FormatError) -> [(id: Digest256, length: Int)] {
        let count = try reader.count(atMost: reader.remaining / 33)
        guard count >= 2 else { throw reader.corrupt("segment of \(count) blobs") }
        var members: [(id: Digest256, length: Int)] = []
        members.reserveCapacity(count)
        var total = 0
        for _ in 0..<count {
            let id = try reader.digest()
            let length = try reader.count(atMost: Int(UInt32.max))
            total += length
            guard total <= Int(UInt32.max) else { throw reader.corrupt("segment longer than 4 GiB") }
            members.append((id, length))
        }
        return members
    }

    /// Appends a segment's member list (see `segmentMembers`).
    static func appendSegmentMembers(_ members: some Collection<PackEntry>, to writer: inout BinaryWriter) {
        writer.append(varint: members.count)
        for member in members {
            writer.append(member.id)
            writer.append(varint: member.plaintextLength)
        }
    }

    /// The plaintext of a pack header listing `entries` (in pack order): a record per blob,
    /// and one per segment.
    static func encodeHeader(_ entries: [PackEntry]) -> [UInt8] {
        var header = BinaryWriter(capacity: 16 + entries.count * 40)
        let runs = SegmentLayout.runs(entries)
        header.append(varint: runs.count)
        for run in runs {
            let first = run.first!
            if first.segment != nil {
                header.append(first.type.rawValue | SegmentLayout.marker)
                header.append(varint: first.length)
                appendSegmentMembers(run, to: &header)
            } else {
                header.append(first.type.rawValue)
                header.append(first.id)
                header.append(varint: first.length)
                header.append(varint: first.plaintextLength)
            }
        }
        return header.bytes
    }
}

extension PackReader {
    /// A stored pack's preamble and header, read without its blobs: the preamble, then the
    /// last `guess` bytes, and the rest of the header when it is longer than that.
    func storedHeader(of name: ObjectName, size: Int, backend: any Backend, name label: String,
                      guess: Int = 65536) throws -> (preamble: PackPreamble, entries: [PackEntry]) {
        let start = try backend.read(name, range: 0..<min(size, PackLayout.maximumPreambleByteCount))
        let preamble = try preamble(start, name: label)
        var tail = try backend.read(name, range: max(0, size - guess)..<size)
        let needed = Self.headerLength(trailer: tail[...]) + PackLayout.trailerByteCount
        if needed > tail.count && needed <= size {
            tail = try backend.read(name, range: size - needed..<size)
        }
        return (preamble, try header(preamble: preamble, tail: tail[...], packSize: size, name: label))
    }

    /// A stored pack's index record, from its own preamble and header: two ranged reads
    /// (three when the header is longer than the first guess).
    func indexRecord(of info: ObjectInfo, backend: any Backend) throws -> IndexedPack {
        let label = "pack \(info.name.id)"
        let (preamble, entries) = try storedHeader(of: info.name, size: info.size, backend: backend, name: label)
        let storedAs: BlobType? = info.name.kind == .dataPack ? .data : info.name.kind == .treePack ? .tree : nil
        guard let id = Digest256(hex: info.name.id), let type = entries.first?.type ?? storedAs,
              entries.allSatisfy({ $0.type == type }), type.packKind == info.name.kind else {
            throw FormatError.corrupt(label, "blob types do not match where the pack is stored")
        }
        return IndexedPack(id: id, type: type, salt: preamble.salt, generation: preamble.generation, size: info.size, entries: entries)
    }
}

/// Decrypts and decompresses blobs of one pack; keeps the pack's cipher and a decompressor
/// for the many blobs a restore or check reads from it, and the last segment it decoded, so
/// that reading a segment's members one after the other decodes it once. Not thread-safe.
final class BlobOpener {
    private let cipher: AES256GCM
    private let decompressor: BlobDecompressor
    private var frame = [UInt8]()
    /// The plaintext of the last segment decoded, and which one it is (its offset in the
    /// pack and digest).
    private var segment = [UInt8]()
    private var decodedSegment: (offset: Int, digest: Digest256)?

    /// `previous`, an opener of another pack that is no longer used, hands over its buffers
    /// and decompressor: a reader going from pack to pack then does not grow a new buffer,
    /// page by fresh page, for every pack.
    init(keys: RepositoryKeys, salt: [UInt8], generation: UInt32 = 0, reusing previous: BlobOpener? = nil) throws {
        cipher = try AES256GCM(key: keys.packKey(generation: generation, salt: salt))
        decompressor = previous?.decompressor ?? BlobDecompressor(maximumDecodedSize: 1 << 30)
        if let previous {
            swap(&frame, &previous.frame)
            swap(&segment, &previous.segment)
            previous.decodedSegment = nil
        }
    }

    /// The plaintext of a sealed blob (or of the segment that holds it); verifies its tag
    /// (bound to type and id, or to the segment's members) and that its length is what the
    /// index says. `pack` names the pack for errors.
    func open(_ sealed: UnsafeRawBufferPointer, entry: PackEntry, pack: String) throws -> [UInt8] {
        if entry.segment != nil {
            let range = try member(sealed, entry: entry, pack: pack)
            return Array(segment[range])
        }
        let frameLength = try decrypt(sealed, entry: entry, pack: pack)
        return try decode(frameLength: frameLength, entry: entry, pack: pack)
    }

    /// Opens a sealed blob as `open` does, but into `buffer` (grown when too small) rather
    /// than a new array; returns the plaintext's length. A reader of many blobs (restore)
    /// keeps one buffer instead of taking fresh pages from the system for every large blob.
    func open(_ sealed: UnsafeRawBufferPointer, entry: PackEntry, pack: String, into buffer: inout [UInt8]) throws -> Int {
        if buffer.count < entry.plaintextLength { buffer = [UInt8](repeating: 0, count: entry.plaintextLength) }
        if entry.segment != nil {
            let range = try member(sealed, entry: entry, pack: pack)
            segment.withUnsafeBytes { source in
                buffer.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[range])) }
            }
            return range.count
        }
        let frameLength = try decrypt(sealed, entry: entry, pack: pack)
        return try checked(entry: entry, pack: pack, length: { $0 }) {
            try frame.withUnsafeBytes { frame in
                try buffer.withUnsafeMutableBytes { try decompressor.decode(UnsafeRawBufferPointer(rebasing: frame[..<frameLength]), into: $0) }
            }
        }
    }

    /// Opens a sealed blob as `open(_:entry:pack:into:)` does and passes `body` its frame
    /// and plaintext (both valid only during the call): prune seals the frame again
    /// unchanged once the plaintext has proven the blob sound. A member of a segment has no
    /// frame of its own: `body` gets nil (prune compresses it again, into a new segment).
    func withFrame<R>(_ sealed: UnsafeRawBufferPointer, entry: PackEntry, pack: String, plaintext buffer: inout [UInt8],
                      _ body: (_ frame: UnsafeRawBufferPointer?, _ plaintext: UnsafeRawBufferPointer) throws -> R) throws -> R {
        if entry.segment != nil {
            let range = try member(sealed, entry: entry, pack: pack)
            return try segment.withUnsafeBytes { try body(nil, UnsafeRawBufferPointer(rebasing: $0[range])) }
        }
        let length = try open(sealed, entry: entry, pack: pack, into: &buffer)
        let frameLength = sealed.count - AES256GCM.overhead
        return try frame.withUnsafeBytes { frame in
            try buffer.withUnsafeBytes { plaintext in
                try body(UnsafeRawBufferPointer(rebasing: frame[..<frameLength]), UnsafeRawBufferPointer(rebasing: plaintext[..<length]))
            }
        }
    }

    /// Decodes the segment `sealed` (unless it is the one decoded last) and returns where
    /// the member `entry` lies in `segment`.
    private func member(_ sealed: UnsafeRawBufferPointer, entry: PackEntry, pack: String) throws -> Range<Int> {
        guard let place = entry.segment else { preconditionFailure("not a member of a segment") }
        let what = "blob \(entry.id) in the segment at offset \(entry.offset) of pack \(pack)"
        guard place.start >= 0, place.start + entry.plaintextLength <= place.length else {
            throw FormatError.corrupt(what, "lies outside its segment")
        }
        if decodedSegment.map({ $0.offset != entry.offset || $0.digest != place.digest }) ?? true {
            decodedSegment = nil
            let frameLength = try decrypt(sealed, entry: entry, pack: pack)
            if segment.count < place.length { segment = [UInt8](repeating: 0, count: place.length) }
            let length: Int
            do {
                length = try frame.withUnsafeBytes { frame in
                    let frame = UnsafeRawBufferPointer(rebasing: frame[..<frameLength])
                    // Never decode more than the buffer holds: the frame's own length first.
                    let declared = try BlobDecompressor.decodedSize(of: frame, maximumDecodedSize: decompressor.maximumDecodedSize)
                    guard declared == place.length else { return declared }
                    return try segment.withUnsafeMutableBytes { try decompressor.decode(frame, into: $0) }
                }
            } catch {
                throw FormatError.corrupt(what, "\(error)")
            }
            guard length == place.length else {
                throw FormatError.corrupt(what, "segment has \(length) bytes, index says \(place.length)")
            }
            decodedSegment = (entry.offset, place.digest)
        }
        return place.start..<place.start + entry.plaintextLength
    }

    /// Authenticates and decrypts into `frame`; returns the frame's length.
    private func decrypt(_ sealed: UnsafeRawBufferPointer, entry: PackEntry, pack: String) throws -> Int {
        let what = entry.segment == nil ? "blob \(entry.id) in pack \(pack)"
            : "blob \(entry.id) in the segment at offset \(entry.offset) of pack \(pack)"
        let frameLength = sealed.count - AES256GCM.overhead
        guard frameLength > 0 else { throw FormatError.corrupt(what, "too short") }
        if frame.count < frameLength { frame = [UInt8](repeating: 0, count: frameLength) }
        do {
            _ = try PackLayout.withBlobAssociatedData(type: entry.type, id: entry.sealedAs) { aad in
                try frame.withUnsafeMutableBytes { try cipher.open(sealed, authenticating: aad, into: $0) }
            }
        } catch {
            throw FormatError.corrupt(what, "fails authentication")
        }
        return frameLength
    }

    private func decode(frameLength: Int, entry: PackEntry, pack: String) throws -> [UInt8] {
        try checked(entry: entry, pack: pack, length: \.count) {
            try frame.withUnsafeBytes { try decompressor.decode(UnsafeRawBufferPointer(rebasing: $0[..<frameLength])) }
        }
    }

    /// Runs `decode` on the decrypted frame; its failure, or a plaintext (of `length`) that
    /// is not as long as the index says, is damage to the blob.
    private func checked<Decoded>(entry: PackEntry, pack: String, length: (Decoded) -> Int,
                                  _ decode: () throws -> Decoded) throws -> Decoded {
        let decoded: Decoded
        do {
            decoded = try decode()
        } catch {
            throw FormatError.corrupt("blob \(entry.id) in pack \(pack)", "\(error)")
        }
        guard length(decoded) == entry.plaintextLength else {
            throw FormatError.corrupt("blob \(entry.id) in pack \(pack)", "has \(length(decoded)) bytes, index says \(entry.plaintextLength)")
        }
        return decoded
    }
}
