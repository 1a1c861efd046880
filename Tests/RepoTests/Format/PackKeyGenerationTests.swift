import Crypto
import Foundation
@testable import Repo
import Testing

/// Pack key generations (docs/format.md, "Pack key generations"): the keyring object,
/// version 2 packs, index objects and condemned lists, and the key derivation.
@Suite struct PackKeyGenerationTests {
    static let secret = SymmetricKey(bytes: Array(0..<64))
    static let salt: [UInt8] = (0..<16).map { 0xA0 + $0 }

    /// Keys whose keyring holds generation `number` with `secret`.
    static func keys(generation number: UInt32, secret: SymmetricKey = .random(byteCount: 64)) -> RepositoryKeys {
        let keys = RepositoryKeys.generate()
        var keyring = PackKeyring()
        keyring.add(PackKeyGeneration(number: number, created: 1_800_000_000, secret: secret), object: "test")
        keys.setKeyring(keyring)
        return keys
    }

    static func hex(_ key: SymmetricKey) -> String { key.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() } }

    /// HKDF-SHA-256(secret 00..3f, salt a0..af, info "repo v1 pack"), computed independently
    /// (Python's hmac): the same derivation for a generation's secret as for the master secret.
    @Test func packKeyKnownAnswer() throws {
        let expected = "d7fd4dc23f5141d85d942d9a66c9c2e541ba404d07078d8142c7871d415053f7"
        let rotated = Self.keys(generation: 1, secret: Self.secret)
        #expect(Self.hex(try rotated.packKey(generation: 1, salt: Self.salt)) == expected)
        let master = RepositoryKeys(masterSecret: Self.secret)
        #expect(Self.hex(try master.packKey(generation: 0, salt: Self.salt)) == expected)
        // Generation 0 stays the master secret whatever the keyring holds.
        #expect(Self.hex(try rotated.packKey(generation: 0, salt: Self.salt)) != expected)
        #expect(throws: FormatError.self) { try master.packKey(generation: 1, salt: Self.salt) }
    }

    @Test func newestGenerationSealsNewPacks() throws {
        let keys = Self.keys(generation: 3)
        #expect(keys.newestGeneration == 3)
        #expect(RepositoryKeys.generate().newestGeneration == 0)
        // Two objects claiming one number: neither is used.
        var keyring = keys.packKeyring
        keyring.add(PackKeyGeneration.generate(number: 3, created: 0), object: "other")
        #expect(keyring.newest == 0)
        #expect(throws: FormatError.self) { try keyring.secret(of: 3) }
    }

    @Test func version2PackRoundTrip() throws {
        let keys = Self.keys(generation: 7)
        let writer = try FormatFixtures.packWriter(.data, keys: keys)
        var generator = FormatFixtures.Generator(seed: 9)
        let plaintexts = [FormatFixtures.compressible(50_000, using: &generator), generator.bytes(3000)]
        var ids: [Digest256] = []
        for plaintext in plaintexts {
            ids.append(generator.digest())
            try plaintext.withUnsafeBytes { _ = try writer.add(id: ids.last!, plaintext: $0) }
        }
        let pack = try writer.finish()
        let bytes = Array(pack.bytes!)
        #expect(pack.generation == 7)
        #expect(Array(bytes[0..<5]) == Array("RPAK".utf8) + [2])
        #expect(Array(bytes[5..<9]) == [7, 0, 0, 0])
        #expect(Array(bytes[9..<25]) == pack.salt)
        #expect(pack.entries.first?.offset == 25)

        let (preamble, entries) = try PackReader(keys: keys).header(of: bytes, name: "pack")
        #expect(preamble == PackPreamble(generation: 7, salt: pack.salt))
        #expect(entries == pack.entries)
        let opener = try BlobOpener(keys: keys, salt: preamble.salt, generation: preamble.generation)
        for (entry, plaintext) in zip(entries, plaintexts) {
            let opened = try bytes.withUnsafeBytes { try opener.open(UnsafeRawBufferPointer(rebasing: $0[entry.offset..<entry.offset + entry.length]), entry: entry, pack: "p") }
            #expect(opened == plaintext)
        }
        #expect(pack.indexed == IndexedPack(id: pack.id, type: .data, salt: pack.salt, generation: 7, size: bytes.count, entries: entries))

        // Without generation 7 the pack cannot be read, and says why.
        #expect(throws: FormatError.self) { try PackReader(keys: RepositoryKeys.generate()).header(of: bytes, name: "pack") }
        // Generation 0 is never written as version 2.
        var zero = bytes
        zero.replaceSubrange(5..<9, with: [0, 0, 0, 0])
        #expect(throws: FormatError.corrupt("pack", "version 2 pack of generation 0")) { try PackReader(keys: keys).header(of: zero, name: "pack") }
    }

    @Test func packsWithoutGenerationsStayVersion1() throws {
        let writer = try FormatFixtures.packWriter(.tree, keys: RepositoryKeys.generate())
        try [UInt8](repeating: 1, count: 100).withUnsafeBytes { _ = try writer.add(id: .zero, plaintext: $0) }
        let pack = try writer.finish()
        #expect(pack.bytes![4] == 1)
        #expect(pack.generation == 0)
        #expect(pack.entries.first?.offset == PackLayout.preambleByteCount)
    }

    @Test func indexVersion2RoundTripAndRecordCopies() throws {
        var packs = IndexObjectTests.packs(4, blobs: 1...5, seed: 11)
        let version1 = IndexObject.encode(packs)
        #expect(version1[4] == 1)
        packs[1].generation = 1
        packs[3].generation = 300  // a two-byte varint
        let bytes = IndexObject.encode(packs)
        #expect(Array(bytes[0..<5]) == Array("RIDX".utf8) + [2])
        #expect(try IndexObject.decode(bytes, name: "index") == packs)
        #expect(IndexObject.encode(try IndexObject.decode(bytes, name: "index")) == bytes)

        var index = BlobIndex()
        try IndexObject.load(bytes, name: "index", into: &index)
        index.finishLoading()
        #expect(index.packs.map(\.generation) == [0, 1, 0, 300])

        // Records copy byte for byte between versions; the object they make says which.
        let records = try IndexObject.records(bytes, name: "index").map { bytes[$0.bytes] }
        let old = try IndexObject.records(version1, name: "index").map { version1[$0.bytes] }
        #expect(records.map(IndexObject.recordNamesGeneration) == [false, true, false, true])
        #expect(IndexObject.encode(records: [old[0], old[2]])[4] == 1)
        let mixed = IndexObject.encode(records: [old[0], records[1]])
        #expect(mixed[4] == 2)
        #expect(try IndexObject.decode(mixed, name: "index") == [packs[0], packs[1]])
    }

    @Test func version1IndexMayNotNameGenerations() throws {
        var packs = IndexObjectTests.packs(1, blobs: 1...1, seed: 12)
        packs[0].generation = 2
        var bytes = IndexObject.encode(packs)
        bytes[4] = 1
        #expect(throws: FormatError.self) { try IndexObject.decode(bytes, name: "index") }
        bytes[4] = 4
        #expect(throws: FormatError.unsupportedVersion(object: "index", version: 4, supported: 3)) {
            try IndexObject.decode(bytes, name: "index")
        }
    }

    @Test func condemnedListVersions() throws {
        var packs = IndexObjectTests.packs(2, blobs: 1...3, seed: 13).map { CondemnedPack(pack: $0, condemnedAt: 1_800_000_000) }
        #expect(CondemnedList.encode(packs)[4] == 1)
        packs[1].pack.generation = 4
        let bytes = CondemnedList.encode(packs)
        #expect(bytes[4] == 2)
        #expect(try CondemnedList.decode(bytes, name: "condemned") == packs)
    }

    @Test func keyringObjectRoundTrip() throws {
        let generation = PackKeyGeneration(number: 5, created: 1_800_000_123, secret: Self.secret)
        let bytes = generation.encode()
        #expect(Array(bytes[0..<5]) == Array("RGEN".utf8) + [1])
        #expect(bytes.count == 5 + 1 + 8 + 64)
        let decoded = try PackKeyGeneration.decode(bytes, name: "keyring")
        #expect(decoded.number == 5 && decoded.created == 1_800_000_123 && Self.hex(decoded.secret) == Self.hex(Self.secret))
        var zero = bytes
        zero[5] = 0
        #expect(throws: FormatError.self) { try PackKeyGeneration.decode(zero, name: "keyring") }
        #expect(throws: FormatError.self) { try PackKeyGeneration.decode(Array(bytes.dropLast()), name: "keyring") }
    }
}
