import Crypto
import Foundation
@testable import Repo
import Testing

/// The in-memory index: sorted array plus recent additions, interpolation search.
@Suite struct BlobIndexTests {
    /// `count` packs of `perPack` blobs with random ids, deterministic from `seed`.
    static func packs(count: Int, perPack: Int, seed: UInt64) -> [IndexedPack] {
        var generator = FormatFixtures.Generator(seed: seed)
        return (0..<count).map { number in
            let type: BlobType = number % 5 == 4 ? .tree : .data
            var offset = PackLayout.preambleByteCount
            let entries = (0..<perPack).map { _ -> PackEntry in
                let length = 29 + Int(generator.next() % 100_000)
                defer { offset += length }
                return PackEntry(type: type, id: generator.digest(), offset: offset, length: length,
                                 plaintextLength: Int(generator.next() % 200_000))
            }
            return IndexedPack(id: generator.digest(), type: type, salt: generator.bytes(16), size: offset + 60, entries: entries)
        }
    }

    static func location(_ entry: PackEntry, in pack: IndexedPack) -> BlobLocation {
        BlobLocation(pack: pack.id, type: pack.type, offset: entry.offset, length: entry.length, plaintextLength: entry.plaintextLength)
    }

    @Test func twoHundredThousandBlobs() throws {
        let packs = Self.packs(count: 400, perPack: 500, seed: 1)
        var index = BlobIndex()
        for pack in packs { index.add(pack) }
        #expect(index.count == 200_000)
        #expect(index.packs.count == 400)

        func verifyAll(_ index: BlobIndex) {
            var wrong = 0
            for pack in packs {
                for entry in pack.entries where index.location(of: entry.id) != Self.location(entry, in: pack) { wrong += 1 }
            }
            #expect(wrong == 0, "\(wrong) blobs found at the wrong place or not at all")
        }
        verifyAll(index)

        var generator = FormatFixtures.Generator(seed: 2)
        let absent = (0..<200_000).map { _ in generator.digest() }
        #expect(absent.filter { index.contains($0) }.isEmpty)

        index.compact()
        #expect(index.count == 200_000)
        verifyAll(index)
        #expect(absent.filter { index.contains($0) }.isEmpty)
        for pack in packs {
            let stored = try #require(index.pack(pack.id))
            #expect(stored.type == pack.type && stored.salt == pack.salt && stored.size == pack.size)
        }
        #expect(index.pack(generator.digest()) == nil)

        // For curiosity only: lookups per second on this machine (debug build).
        let probes = packs.flatMap { $0.entries.map(\.id) }
        let start = DispatchTime.now().uptimeNanoseconds
        var found = 0
        for id in probes where index.contains(id) { found += 1 }
        for id in absent where index.contains(id) { found += 1 }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("BlobIndex: \(probes.count + absent.count) lookups in \(String(format: "%.3f", seconds)) s, "
              + "\(Int(Double(probes.count + absent.count) / seconds)) per second")
        #expect(found == 200_000)
    }

    @Test func duplicateKeepsTheFirstLocation() throws {
        var packs = Self.packs(count: 3, perPack: 50, seed: 3)
        // Pack 1 repeats blob 7 of pack 0; pack 2 repeats blob 9 of pack 0.
        packs[1].entries[0].id = packs[0].entries[7].id
        packs[2].entries[0].id = packs[0].entries[9].id
        var index = BlobIndex()
        index.add(packs[0])
        index.add(packs[1])  // while the first copy is still a recent addition
        #expect(index.location(of: packs[0].entries[7].id) == Self.location(packs[0].entries[7], in: packs[0]))
        index.compact()
        index.add(packs[2])  // the first copy is now in the sorted array
        #expect(index.location(of: packs[0].entries[9].id) == Self.location(packs[0].entries[9], in: packs[0]))
        #expect(index.count == 148)
        index.compact()
        #expect(index.location(of: packs[0].entries[7].id)?.pack == packs[0].id)
        #expect(index.location(of: packs[0].entries[9].id)?.pack == packs[0].id)
        // The pack's other blobs are all there.
        for entry in packs[1].entries.dropFirst() { #expect(index.location(of: entry.id) == Self.location(entry, in: packs[1])) }

        // The same pack added twice (two index objects describing it) is one pack.
        index.add(packs[1])
        #expect(index.packs.count == 3)
        #expect(index.count == 148)
    }

    @Test func forEachVisitsEachBlobOnceInOrder() throws {
        let packs = Self.packs(count: 30, perPack: 300, seed: 4)
        var index = BlobIndex()
        for pack in packs.prefix(25) { index.add(pack) }
        index.compact()
        for pack in packs.suffix(5) { index.add(pack) }  // some sorted, some recent

        var expected = [Digest256: BlobLocation]()
        for pack in packs { for entry in pack.entries { expected[entry.id] = Self.location(entry, in: pack) } }
        var visited = [Digest256]()
        var wrong = 0
        index.forEach { id, location in
            visited.append(id)
            if expected[id] != location { wrong += 1 }
        }
        #expect(visited.count == 9_000)
        #expect(Set(visited).count == 9_000)
        #expect(Set(visited) == Set(expected.keys))
        #expect(zip(visited, visited.dropFirst()).allSatisfy { $0 < $1 }, "not in strictly increasing id order")
        #expect(wrong == 0)
    }

    @Test func idsSharingTheirFirst64BitsAreDistinguished() throws {
        var generator = FormatFixtures.Generator(seed: 5)
        func id(prefix: [UInt8], tail: [UInt8]) -> Digest256 { FormatFixtures.digest(prefix + tail) }

        // Random ids, plus runs of ids whose first 8 bytes are equal: among themselves, and
        // equal to the first 8 bytes of random neighbours; plus the extremes.
        var ids = (0..<20_000).map { _ in generator.digest() }
        let sharedPrefixes = (0..<20).map { _ in generator.bytes(8) } + [[UInt8](repeating: 0, count: 8), [UInt8](repeating: 0xFF, count: 8)]
        for prefix in sharedPrefixes {
            for _ in 0..<200 { ids.append(id(prefix: prefix, tail: generator.bytes(24))) }
            // Differ only in the very last byte.
            let tail = generator.bytes(23)
            for last in 0..<5 { ids.append(id(prefix: prefix, tail: tail + [UInt8(last * 3)])) }
        }
        for neighbour in ids.prefix(100) { ids.append(id(prefix: Array(neighbour.bytes[0..<8]), tail: generator.bytes(24))) }
        ids.append(.zero)
        ids.append(FormatFixtures.digest([UInt8](repeating: 0xFF, count: 32)))
        let known = Set(ids)
        #expect(known.count == ids.count)

        // Spread over packs; the pack number says which id it was.
        var entries = [PackEntry]()
        for (number, blob) in ids.enumerated() {
            entries.append(PackEntry(type: .data, id: blob, offset: number, length: 29 + number, plaintextLength: number))
        }
        let pack = IndexedPack(id: generator.digest(), type: .data, salt: generator.bytes(16), size: 1, entries: entries)

        var index = BlobIndex()
        index.add(pack)
        for sorted in [false, true] {
            if sorted { index.compact() }
            var wrong = 0
            for (number, blob) in ids.enumerated() where index.location(of: blob)?.offset != number { wrong += 1 }
            #expect(wrong == 0, "sorted: \(sorted)")
            // Absent ids with the same shared prefixes, and ones one last-byte away.
            var falsePositives = 0
            for prefix in sharedPrefixes {
                for _ in 0..<50 where index.contains(id(prefix: prefix, tail: generator.bytes(24))) { falsePositives += 1 }
            }
            for blob in ids.suffix(200) {
                var bytes = blob.bytes
                bytes[31] = bytes[31] &+ 1
                if index.contains(FormatFixtures.digest(bytes)), !known.contains(FormatFixtures.digest(bytes)) { falsePositives += 1 }
            }
            #expect(falsePositives == 0, "sorted: \(sorted)")
        }
    }

    @Test func emptyIndexFindsNothing() {
        var index = BlobIndex()
        var generator = FormatFixtures.Generator(seed: 6)
        #expect(!index.contains(generator.digest()))
        index.compact()
        #expect(index.count == 0)
        #expect(index.location(of: .zero) == nil)
        var visits = 0
        index.forEach { _, _ in visits += 1 }
        #expect(visits == 0)
    }
}
