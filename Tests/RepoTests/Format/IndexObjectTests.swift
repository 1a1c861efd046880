import Crypto
import Foundation
@testable import Repo
import Testing

/// The plaintext of index objects, and the sealing of every metadata object.
@Suite struct IndexObjectTests {
    static func packs(_ count: Int, blobs: ClosedRange<Int>, seed: UInt64) -> [IndexedPack] {
        var generator = FormatFixtures.Generator(seed: seed)
        return (0..<count).map { number in
            let type: BlobType = number % 3 == 2 ? .tree : .data
            let blobCount = blobs.lowerBound + Int(generator.next() % UInt64(blobs.count))
            var offset = PackLayout.preambleByteCount
            var entries = [PackEntry]()
            for _ in 0..<blobCount {
                let plaintextLength = Int(generator.next() % 4_000_000)
                let length = 29 + Int(generator.next() % UInt64(plaintextLength + 1))
                entries.append(PackEntry(type: type, id: generator.digest(), offset: offset, length: length, plaintextLength: plaintextLength))
                offset += length
            }
            return IndexedPack(id: generator.digest(), type: type, salt: generator.bytes(16), size: offset + 100, entries: entries)
        }
    }

    @Test func roundTripOfThousandsOfEntries() throws {
        let packs = Self.packs(7, blobs: 500...1_500, seed: 1)
        #expect(packs.reduce(0) { $0 + $1.entries.count } > 3_500)
        let bytes = IndexObject.encode(packs)
        #expect(Array(bytes[0..<5]) == Array("RIDX".utf8) + [1])
        let decoded = try IndexObject.decode(bytes, name: "index")
        #expect(decoded == packs)
        // Encoding is a function of the content.
        #expect(IndexObject.encode(decoded) == bytes)
    }

    @Test func roundTripOfEdgeCases() throws {
        #expect(try IndexObject.decode(IndexObject.encode([]), name: "index") == [])
        var generator = FormatFixtures.Generator(seed: 2)
        let extremes = IndexedPack(id: .zero, type: .tree, salt: [UInt8](repeating: 0xFF, count: 16), size: Int(UInt32.max), entries: [
            PackEntry(type: .tree, id: generator.digest(), offset: Int(UInt32.max), length: Int(UInt32.max), plaintextLength: Int(UInt32.max)),
            PackEntry(type: .tree, id: generator.digest(), offset: 0, length: 0, plaintextLength: 0),
        ])
        let empty = IndexedPack(id: generator.digest(), type: .data, salt: generator.bytes(16), size: 0, entries: [])
        #expect(try IndexObject.decode(IndexObject.encode([extremes, empty]), name: "index") == [extremes, empty])
    }

    @Test func everyTruncationIsCorrupt() async {
        if await #expect(processExitsWith: .success, performing: {
            FormatFixtures.finishChild(IndexObjectTests.truncationFailures())
        }) == nil {
            FormatFixtures.recordChild(await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                FormatFixtures.finishChild(IndexObjectTests.truncationFailures())
            })
        }
    }

    static func truncationFailures() -> [String] {
        let bytes = IndexObject.encode(packs(3, blobs: 5...20, seed: 3))
        var failures = [String]()
        for length in 0..<bytes.count {
            do {
                _ = try IndexObject.decode(Array(bytes[..<length]), name: "index")
                failures.append("truncation to \(length) decoded")
            } catch {
                if !FormatFixtures.isCorrupt(error) { failures.append("truncation to \(length): \(error)") }
            }
        }
        do {
            _ = try IndexObject.decode(bytes + [0], name: "index")
            failures.append("a trailing byte went unnoticed")
        } catch {
            if error as? FormatError != .corrupt("index", "1 unexpected trailing bytes") { failures.append("\(error)") }
        }
        return failures
    }

    @Test func malformedFieldsAreRefused() throws {
        let packs = Self.packs(1, blobs: 3...3, seed: 4)
        let bytes = IndexObject.encode(packs)
        // Layout: magic(4) version(1) count(1) | id(32) type(1) salt length(1) salt(16) ...
        var newer = bytes
        newer[4] = 4
        #expect(throws: FormatError.unsupportedVersion(object: "index", version: 4, supported: 3)) {
            try IndexObject.decode(newer, name: "index")
        }
        var badType = bytes
        badType[38] = 2
        #expect(throws: FormatError.corrupt("index", "unknown blob type")) { try IndexObject.decode(badType, name: "index") }
        var badMagic = bytes
        badMagic[0] = UInt8(ascii: "X")
        #expect(throws: FormatError.corrupt("index", "not a RIDX object")) { try IndexObject.decode(badMagic, name: "index") }
        // A salt that is not 16 bytes.
        var shortSalt = packs
        shortSalt[0].salt.removeLast()
        #expect(throws: FormatError.corrupt("index", "bad pack salt")) { try IndexObject.decode(IndexObject.encode(shortSalt), name: "index") }
        // Counts far beyond what the object can hold.
        var hugeCount = Array(bytes[0..<5])
        var writer = BinaryWriter()
        writer.append(varint: UInt64.max)
        hugeCount += writer.bytes + bytes[6...]
        #expect(throws: FormatError.self) { try IndexObject.decode(hugeCount, name: "index") }
        var hugeBlobCount = Array(bytes[0..<56])
        writer = BinaryWriter()
        writer.append(varint: Int(UInt32.max))  // pack size
        writer.append(varint: 1 << 40)  // blob count
        hugeBlobCount += writer.bytes + [UInt8](repeating: 0, count: 200)
        #expect(throws: FormatError.self) { try IndexObject.decode(hugeBlobCount, name: "index") }
    }

    /// Random input, and single-byte changes of a valid object: decoding throws
    /// `FormatError` or returns, but never crashes. Without the magic it always throws.
    @Test func fuzzedInputNeverCrashes() async {
        if await #expect(processExitsWith: .success, performing: {
            FormatFixtures.finishChild(IndexObjectTests.fuzzFailures())
        }) == nil {
            FormatFixtures.recordChild(await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                FormatFixtures.finishChild(IndexObjectTests.fuzzFailures())
            })
        }
    }

    static func fuzzFailures() -> [String] {
        var generator = FormatFixtures.Generator(seed: 5)
        let valid = IndexObject.encode(packs(2, blobs: 2...4, seed: 6))
        var failures = [String]()
        var thrown = 0
        for round in 0..<2_000 {
            var bytes: [UInt8]
            switch round % 4 {
            case 0:
                bytes = generator.bytes(Int(generator.next() % 200))
            case 1:
                bytes = Array("RIDX".utf8) + [1] + generator.bytes(Int(generator.next() % 200)).map { $0 & 0x0F }
            case 2:
                bytes = Array("RIDX".utf8) + [1] + generator.bytes(Int(generator.next() % 400))
            default:
                bytes = valid
                for _ in 0..<(1 + generator.next() % 3) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] ^= UInt8(1 + generator.next() % 255)
                }
            }
            do {
                let packs = try IndexObject.decode(bytes, name: "index")
                if round % 4 == 0 && !bytes.starts(with: Array("RIDX".utf8)) { failures.append("random bytes decoded, round \(round)") }
                for pack in packs where pack.salt.count != 16 || !pack.entries.allSatisfy({ $0.type == pack.type }) {
                    failures.append("round \(round): inconsistent pack decoded")
                }
            } catch {
                thrown += 1
                if !(error is FormatError) { failures.append("round \(round): \(error)") }
            }
        }
        if thrown < 1_000 { failures.append("only \(thrown) inputs were refused") }
        return failures
    }

    // MARK: Metadata objects

    @Test func sealedIndexOpensOnlyAsAnIndexOfThisRepository() throws {
        let keys = RepositoryKeys.generate()
        let plaintext = IndexObject.encode(Self.packs(2, blobs: 10...20, seed: 7))
        let sealed = try MetadataObject.seal(plaintext, kind: .index, keys: keys)
        #expect(sealed.count == plaintext.count + 28)
        #expect(try MetadataObject.open(sealed, kind: .index, keys: keys, name: "index") == plaintext)

        for kind in [MetadataObject.Kind.config, .snapshot, .lock] {
            #expect(throws: FormatError.self, "\(kind)") { try MetadataObject.open(sealed, kind: kind, keys: keys, name: "index") }
        }
        #expect(throws: FormatError.self) { try MetadataObject.open(sealed, kind: .index, keys: RepositoryKeys.generate(), name: "index") }
        #expect(throws: FormatError.self) { try MetadataObject.open(sealed, kind: .index, keys: keys, name: "index", context: [1]) }

        // Any changed byte, any truncation.
        var generator = FormatFixtures.Generator(seed: 8)
        for position in stride(from: 0, to: sealed.count, by: max(1, sealed.count / 200)) {
            var mutated = sealed
            mutated[position] ^= UInt8(1 + generator.next() % 255)
            do {
                _ = try MetadataObject.open(mutated, kind: .index, keys: keys, name: "index")
                Issue.record("flip at \(position) went unnoticed")
            } catch {
                #expect(error as? FormatError == .corrupt("index", "authentication failed (altered, or not of this repository)"))
            }
        }
        for length in [0, 1, 12, 27, 28, sealed.count - 1] {
            #expect(throws: FormatError.self) { try MetadataObject.open(Array(sealed[..<length]), kind: .index, keys: keys, name: "index") }
        }
    }

    @Test func sealedConfigIsBoundToItsRepositoryID() throws {
        let keys = RepositoryKeys.generate()
        let idA = String(repeating: "a", count: 64), idB = String(repeating: "b", count: 64)
        let sealed = try MetadataObject.seal(Array("{}".utf8), kind: .config, keys: keys, context: Array(idA.utf8))
        #expect(try MetadataObject.open(sealed, kind: .config, keys: keys, name: "config", context: Array(idA.utf8)) == Array("{}".utf8))
        #expect(throws: FormatError.self) {
            try MetadataObject.open(sealed, kind: .config, keys: keys, name: "config", context: Array(idB.utf8))
        }
        #expect(throws: FormatError.self) { try MetadataObject.open(sealed, kind: .snapshot, keys: keys, name: "config") }
    }
}
