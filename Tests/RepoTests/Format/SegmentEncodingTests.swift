import Codec
import Crypto
import Foundation
@testable import Repo
import Testing

/// The bytes of segments (docs/format.md, "Segments"): the pack header's segment record, the
/// index object's segment list (version 3), the digest a segment is sealed with, and the
/// pack writer's segments opened again.
@Suite struct SegmentEncodingTests {
    static func digest(_ byte: UInt8) -> Digest256 { [UInt8](repeating: byte, count: 32).withUnsafeBytes { Digest256(bytes: $0) } }

    /// A blob alone (sealed 100 bytes, 70 of plaintext), then a segment sealed in 300 bytes
    /// of two members (200 and 150 bytes of plaintext).
    static let members: [(id: Digest256, length: Int)] = [(digest(0x22), 200), (digest(0x33), 150)]
    static let entries: [PackEntry] = [PackEntry(type: .data, id: digest(0x11), offset: 21, length: 100, plaintextLength: 70)]
        + SegmentLayout.entries(type: .data, offset: 121, sealedLength: 300, members: members)

    @Test func segmentDigestIsTheDocumentedHash() {
        // SHA-256 of "repo v1 segment" || id 22…22 || u64 200 || id 33…33 || u64 150.
        #expect(SegmentLayout.digest(Self.members).hex == "7bdf0ad8965257b8a61c033b2d20502846f1b8bf266cebbbb207a5f97908fb72")
        let entries = Self.entries
        #expect(entries[1].segment == SegmentPlace(start: 0, length: 350, digest: SegmentLayout.digest(Self.members)))
        #expect(entries[2].segment?.start == 200)
        #expect(entries[2].sealedAs == SegmentLayout.digest(Self.members))
        #expect(entries[0].sealedAs == entries[0].id)
    }

    @Test func packHeaderKnownAnswer() throws {
        let expected: [UInt8] = [0x02]  // two records
            + [0x00] + [UInt8](repeating: 0x11, count: 32) + [100, 70]  // a data blob alone
            + [0x80, 0xAC, 0x02, 0x02]  // a data segment: sealed length 300, two members
            + [UInt8](repeating: 0x22, count: 32) + [0xC8, 0x01]  // 200 bytes
            + [UInt8](repeating: 0x33, count: 32) + [0x96, 0x01]  // 150 bytes
        #expect(PackReader.encodeHeader(Self.entries) == expected)
        #expect(try PackReader.entries(plaintext: expected, headerStart: 421, name: "pack") == Self.entries)
        // A segment of one member, of tree blobs, or one that overruns the header is damage.
        let single: [UInt8] = [0x01, 0x80, 0xAC, 0x02, 0x01] + [UInt8](repeating: 0x22, count: 32) + [0xC8, 0x01]
        #expect(throws: FormatError.corrupt("pack", "segment of 1 blobs")) { try PackReader.entries(plaintext: single, headerStart: 321, name: "pack") }
        var tree = expected
        tree[1 + 35] = 0x81
        #expect(throws: FormatError.corrupt("pack", "segment of tree blobs")) { try PackReader.entries(plaintext: tree, headerStart: 421, name: "pack") }
        #expect(throws: FormatError.self) { try PackReader.entries(plaintext: expected, headerStart: 420, name: "pack") }
    }

    @Test func indexObjectKnownAnswer() throws {
        let salt = Array(1...16).map(UInt8.init)
        let pack = IndexedPack(id: Self.digest(0xAA), type: .data, salt: salt, size: 500, entries: Self.entries)
        let expected: [UInt8] = Array("RIDX".utf8) + [0x03, 0x01]  // version 3, one pack
            + [UInt8](repeating: 0xAA, count: 32) + [0x80]  // a data pack with segments
            + [0x10] + salt + [0xF4, 0x03]  // salt; size 500
            + [0x01] + [UInt8](repeating: 0x11, count: 32) + [21, 100, 70]  // one blob alone
            + [0x01, 121, 0xAC, 0x02, 0x02]  // one segment at 121, sealed 300, two members
            + [UInt8](repeating: 0x22, count: 32) + [0xC8, 0x01]
            + [UInt8](repeating: 0x33, count: 32) + [0x96, 0x01]
        #expect(IndexObject.encode([pack]) == expected)
        #expect(try IndexObject.decode(expected, name: "index") == [pack])
        // Members given in id order are written in pack order all the same.
        let shuffled = IndexedPack(id: pack.id, type: .data, salt: salt, size: 500, entries: Self.entries.reversed())
        #expect(IndexObject.encode([shuffled]) == expected)
        // Records are copied byte for byte into objects of the right version.
        let records = try IndexObject.records(expected, name: "index")
        #expect(IndexObject.encode(records: records.map { expected[$0.bytes] }) == expected)
        // Loaded into the in-memory index, a member is located in its segment.
        var index = BlobIndex()
        try IndexObject.load(expected, name: "index", into: &index)
        index.finishLoading()
        let location = try #require(index.location(of: Self.digest(0x33)))
        #expect(location.offset == 121 && location.length == 300 && location.plaintextLength == 150)
        #expect(location.segment == SegmentPlace(start: 200, length: 350, digest: SegmentLayout.digest(Self.members)))
        #expect(index.location(of: Self.digest(0x11))?.segment == nil)
        // A version 2 object cannot hold segments, nor a tree pack.
        var older = expected
        older[4] = 0x02
        #expect(throws: FormatError.corrupt("index", "unknown blob type")) { try IndexObject.decode(older, name: "index") }
        // Condemned lists hold the same records, in the same version.
        let condemned = CondemnedList.encode([CondemnedPack(pack: pack, condemnedAt: 7)])
        #expect(condemned[4] == 0x03)
        #expect(try CondemnedList.decode(condemned, name: "condemned") == [CondemnedPack(pack: pack, condemnedAt: 7)])
    }

    @Test func objectsWithoutSegmentsKeepTheirVersion() {
        let pack = IndexedPack(id: Self.digest(0xAA), type: .data, salt: [UInt8](repeating: 1, count: 16), size: 500,
                               entries: [Self.entries[0]])
        #expect(IndexObject.encode([pack])[4] == 0x01)
        #expect(PackReader.encodeHeader([Self.entries[0]]).first == 0x01)
    }

    @Test func packWriterSealsSegmentsThatOpenMemberByMember() throws {
        let keys = RepositoryKeys.generate()
        var generator = FormatFixtures.Generator(seed: 5)
        let texts = (0..<5).map { FormatFixtures.compressible(3000 + $0 * 1000, using: &generator) }
        let members = texts.map { (id: SHA256.hash($0), length: $0.count) }
        let noise = generator.bytes(20_000)
        let writer = try FormatFixtures.packWriter(.data, keys: keys)
        let alone = try texts[0].withUnsafeBytes { try writer.add(id: SHA256.hash([1] + texts[0]), plaintext: $0) }
        let joined = Array(texts.joined())
        let segment = try #require(try joined.withUnsafeBytes { try writer.addSegment(members: members, plaintext: $0) })
        // Incompressible members are not segmented.
        let noiseMembers = [(id: SHA256.hash(noise), length: 10_000), (id: SHA256.hash(noise + [1]), length: 10_000)]
        #expect(try noise.withUnsafeBytes { try writer.addSegment(members: noiseMembers, plaintext: $0) } == nil)
        let pack = try writer.finish()
        let bytes = Array(pack.bytes!)
        let (preamble, entries) = try PackReader(keys: keys).header(of: bytes, name: "pack")
        #expect(entries == [alone] + segment)
        #expect(segment.allSatisfy { $0.offset == alone.offset + alone.length && $0.length == segment[0].length })
        #expect(segment[0].length < joined.count / 2)
        let opener = try BlobOpener(keys: keys, salt: preamble.salt)
        for (entry, text) in zip(entries.dropFirst(), texts) {
            let opened = try bytes.withUnsafeBytes { raw in
                try opener.open(UnsafeRawBufferPointer(rebasing: raw[entry.offset..<entry.offset + entry.length]), entry: entry, pack: "pack")
            }
            #expect(opened == text)
        }
        // A member claimed under another segment's digest (moved, or listed wrongly) fails.
        var moved = segment[1]
        moved.segment?.digest = Self.digest(0x44)
        let sealed = Array(bytes[moved.offset..<moved.offset + moved.length])
        let fresh = try BlobOpener(keys: keys, salt: preamble.salt)
        #expect(throws: FormatError.self) { try sealed.withUnsafeBytes { try fresh.open($0, entry: moved, pack: "pack") } }
    }
}
