import Crypto

/// The segment layout shared by the pack header, the index and the writer.
enum SegmentLayout {
    /// The bit of a pack header's type byte (and of an index record's type byte) that marks
    /// a segment record (a record with segments).
    static let marker: UInt8 = 0x80
    static let digestPrefix = Array("repo v1 segment".utf8)

    /// SHA-256 of `"repo v1 segment"` then, per member in order, its id (32) and its
    /// plaintext length as a u64, little-endian. It binds the segment's members, their order
    /// and lengths: the sealed segment authenticates against exactly the members the header
    /// and the index list.
    static func digest(_ members: some Sequence<(id: Digest256, length: Int)>) -> Digest256 {
        let hasher = SHA256Hasher()
        digestPrefix.withUnsafeBytes { hasher.update($0) }
        for member in members {
            member.id.withUnsafeBytes { hasher.update($0) }
            withUnsafeBytes(of: UInt64(member.length).littleEndian) { hasher.update($0) }
        }
        return hasher.finalize()
    }

    /// The entries of one segment sealed at `offset` with `sealedLength`, one per member.
    static func entries(type: BlobType, offset: Int, sealedLength: Int,
                        members: [(id: Digest256, length: Int)]) -> [PackEntry] {
        let digest = digest(members)
        let total = members.reduce(0) { $0 + $1.length }
        var start = 0
        return members.map { member in
            defer { start += member.length }
            return PackEntry(type: type, id: member.id, offset: offset, length: sealedLength, plaintextLength: member.length,
                             segment: SegmentPlace(start: start, length: total, digest: digest))
        }
    }

    /// Groups `entries` (in pack order) into runs: a blob alone, or the members of one
    /// segment (consecutive entries at one offset with a segment place).
    static func runs(_ entries: [PackEntry]) -> [ArraySlice<PackEntry>] {
        var runs: [ArraySlice<PackEntry>] = []
        var start = entries.startIndex
        while start < entries.endIndex {
            var end = start + 1
            if entries[start].segment != nil {
                while end < entries.endIndex, entries[end].segment != nil, entries[end].offset == entries[start].offset { end += 1 }
            }
            runs.append(entries[start..<end])
            start = end
        }
        return runs
    }
}
