import Crypto
import Foundation
import TestSupport
import Testing

struct Digest256Tests {
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    @Test func hexRoundTrips() throws {
        let digest = try #require(Digest256(hex: Self.abc))
        #expect(digest.hex == Self.abc)
        #expect(digest.description == Self.abc)
        #expect(digest.bytes == bytes(hex: Self.abc))
        #expect(Digest256(hex: Self.abc.uppercased()) == digest)
        #expect(digest.withUnsafeBytes { Array($0) } == bytes(hex: Self.abc))
        #expect(digest.bytes.withUnsafeBytes { Digest256(bytes: $0) } == digest)
    }

    @Test(arguments: ["", "00", String(Self.abc.dropLast()), Self.abc + "0", String(Self.abc.dropLast()) + "g",
                      "é" + String(Self.abc.dropFirst(2)), " " + String(Self.abc.dropFirst())])
    func rejectsMalformedHex(_ text: String) {
        #expect(Digest256(hex: text) == nil)
    }

    @Test func zero() {
        #expect(Digest256.zero.bytes == [UInt8](repeating: 0, count: 32))
        #expect(Digest256.zero.hex == String(repeating: "0", count: 64))
    }

    /// Order must be byte order, whatever the machine's word order, and every byte of every
    /// word must be able to decide it.
    @Test func ordersLexicographicallyByBytes() {
        var random = SeededGenerator(seed: 5)
        var pairs = (0..<500).map { _ in (random.bytes(count: 32), random.bytes(count: 32)) }
        let base = random.bytes(count: 32)
        for index in 0..<32 {
            for bit in [0x01, 0x80] as [UInt8] {
                var other = base
                other[index] ^= bit
                pairs += [(base, other), (other, base)]
            }
        }
        pairs.append((base, base))
        for (a, b) in pairs {
            let less = a.withUnsafeBytes { Digest256(bytes: $0) } < b.withUnsafeBytes { Digest256(bytes: $0) }
            #expect(less == a.lexicographicallyPrecedes(b), "\(hex(a)) < \(hex(b))")
        }
    }

    @Test func equalityAndHashingUseAllBytes() {
        var random = SeededGenerator(seed: 6)
        let bytes = random.bytes(count: 32)
        var seen: Set<Digest256> = []
        for index in 0..<32 {
            var changed = bytes
            changed[index] ^= 0x80
            seen.insert(changed.withUnsafeBytes { Digest256(bytes: $0) })
        }
        #expect(seen.count == 32)
        #expect(!seen.contains(bytes.withUnsafeBytes { Digest256(bytes: $0) }))
    }

    @Test func encodesAsHexString() throws {
        let digest = try #require(Digest256(hex: Self.abc))
        let json = try JSONEncoder().encode([digest])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(Self.abc)\"]")
        #expect(try JSONDecoder().decode([Digest256].self, from: json) == [digest])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Digest256].self, from: Data("[\"abc\"]".utf8)) }
    }

    @Test func isStoredInline() {
        #expect(MemoryLayout<Digest256>.size == 32)
    }
}
