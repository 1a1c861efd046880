import Codec
import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Testing

/// PackWriter → FinishedPack → PackReader and BlobOpener.
@Suite struct PackTests {
    let keys = RepositoryKeys.generate()

    struct Built {
        let pack: FinishedPack
        let bytes: [UInt8]
        let blobs: [(id: Digest256, plaintext: [UInt8])]
        let returned: [PackEntry]
    }

    func build(_ type: BlobType, _ plaintexts: [[UInt8]], targetSize: Int = 1 << 20, seed: UInt64 = 1) throws -> Built {
        var generator = FormatFixtures.Generator(seed: seed)
        let writer = try FormatFixtures.packWriter(type, keys: keys, targetSize: targetSize)
        #expect(writer.isEmpty)
        var blobs = [(id: Digest256, plaintext: [UInt8])]()
        var returned = [PackEntry]()
        for plaintext in plaintexts {
            let id = generator.digest()
            blobs.append((id, plaintext))
            returned.append(try plaintext.withUnsafeBytes { try writer.add(id: id, plaintext: $0) })
        }
        let pack = try writer.finish()
        return Built(pack: pack, bytes: Array(pack.bytes!), blobs: blobs, returned: returned)
    }

    func open(_ bytes: [UInt8], _ entry: PackEntry, salt: [UInt8], keys: RepositoryKeys? = nil) throws -> [UInt8] {
        let opener = try BlobOpener(keys: keys ?? self.keys, salt: salt)
        return try bytes.withUnsafeBytes { raw in
            try opener.open(UnsafeRawBufferPointer(rebasing: raw[entry.offset..<entry.offset + entry.length]), entry: entry, pack: "test")
        }
    }

    /// Everything the reader finds is what the writer wrote.
    func verifyRoundTrip(_ built: Built, type: BlobType) throws {
        let bytes = built.bytes
        #expect(built.pack.id == SHA256.hash(bytes))
        #expect(built.pack.size == bytes.count)
        #expect(built.pack.type == type)
        #expect(built.pack.name == ObjectName(type == .data ? .dataPack : .treePack, SHA256.hash(bytes).hex))
        #expect(Array(bytes[0..<4]) == Array("RPAK".utf8))
        #expect(bytes[4] == 1)
        #expect(Array(bytes[5..<21]) == built.pack.salt)
        #expect(built.pack.salt.count == 16)

        let (preamble, entries) = try PackReader(keys: keys).header(of: bytes, name: "pack")
        let salt = preamble.salt
        #expect(preamble == PackPreamble(generation: 0, salt: built.pack.salt))
        #expect(entries == built.pack.entries)
        #expect(entries == built.returned)
        #expect(entries.count == built.blobs.count)
        var offset = PackLayout.preambleByteCount
        for (entry, blob) in zip(entries, built.blobs) {
            #expect(entry.type == type)
            #expect(entry.id == blob.id)
            #expect(entry.offset == offset)
            #expect(entry.plaintextLength == blob.plaintext.count)
            #expect(entry.length <= blob.plaintext.count + 1 + AES256GCM.overhead)
            offset += entry.length
            #expect(try open(bytes, entry, salt: salt) == blob.plaintext)
        }
        // The sealed header and the trailer follow the last blob exactly.
        let headerLength = PackReader.headerLength(trailer: bytes[...])
        #expect(offset + headerLength + 4 == bytes.count)

        // The reader that check uses, given only the end of the pack, agrees.
        let tail = bytes[(bytes.count - headerLength - 4)...]
        #expect(try PackReader(keys: keys).header(preamble: preamble, tail: tail, packSize: bytes.count, name: "pack") == entries)
    }

    @Test func roundTripOfMixedBlobs() throws {
        var generator = FormatFixtures.Generator(seed: 42)
        let plaintexts: [[UInt8]] = [
            FormatFixtures.compressible(100_000, using: &generator),
            generator.bytes(50_000),
            [],
            [0x41],
            FormatFixtures.compressible(3_000, using: &generator),
            generator.bytes(1),
            [UInt8](repeating: 0, count: 200_000),
        ]
        for type in BlobType.allCases {
            let built = try build(type, plaintexts)
            try verifyRoundTrip(built, type: type)
            let entries = built.pack.entries
            // Compressible blobs are stored compressed, incompressible ones as they are
            // (codec byte, nonce and tag: 29 bytes more), the empty blob in 29 bytes.
            #expect(entries[0].length < 50_000)
            #expect(entries[1].length == 50_000 + 1 + AES256GCM.overhead)
            #expect(entries[2].length == 1 + AES256GCM.overhead)
            #expect(entries[2].plaintextLength == 0)
            #expect(entries[6].length < 10_000)
        }
    }

    @Test func aPackWithoutBlobsHasAValidHeader() throws {
        let built = try build(.data, [])
        #expect(built.bytes.count == PackLayout.preambleByteCount + 1 + AES256GCM.overhead + 4)
        try verifyRoundTrip(built, type: .data)
    }

    @Test func packGrowsPastItsInitialBuffer() throws {
        var generator = FormatFixtures.Generator(seed: 3)
        // Initial buffer: target + 1 MiB = 1.0625 MiB; these blobs total 1.8 MiB, and one
        // alone is bigger than the whole initial buffer.
        let target = 64 << 10
        let plaintexts = [generator.bytes(300_000), generator.bytes(300_000), FormatFixtures.compressible(100_000, using: &generator),
                          generator.bytes(1_200_000), generator.bytes(10)]
        let built = try build(.data, plaintexts, targetSize: target)
        #expect(built.bytes.count > target + (1 << 20))
        try verifyRoundTrip(built, type: .data)
    }

    @Test func isFullOnceTheTargetIsReached() throws {
        var generator = FormatFixtures.Generator(seed: 4)
        let writer = try FormatFixtures.packWriter(.data, keys: keys, targetSize: 100_000)
        var added = 0
        while !writer.isFull {
            let blob = generator.bytes(7_000)
            try blob.withUnsafeBytes { _ = try writer.add(id: generator.digest(), plaintext: $0) }
            added += 1
            #expect(added < 20)
        }
        #expect(writer.size >= 100_000)
        #expect(writer.size < 100_000 + 7_100)
        #expect(!writer.isEmpty)
    }

    @Test func everySingleByteFlipIsDetected() throws {
        var generator = FormatFixtures.Generator(seed: 99)
        let plaintexts = [FormatFixtures.compressible(20_000, using: &generator), generator.bytes(6_000), [],
                          FormatFixtures.compressible(500, using: &generator), generator.bytes(3_000), generator.bytes(1)]
        let built = try build(.data, plaintexts)
        let original = built.bytes
        let entries = built.pack.entries
        let expected = Dictionary(uniqueKeysWithValues: built.blobs.map { ($0.id, $0.plaintext) })
        let headerStart = entries.last!.offset + entries.last!.length
        let trailerStart = original.count - 4

        // Every byte of the preamble, header and trailer; blob bytes at a spread of
        // positions, including the first and last of each blob.
        var positions = Set(0..<PackLayout.preambleByteCount)
        positions.formUnion(headerStart..<original.count)
        for entry in entries {
            positions.insert(entry.offset)
            positions.insert(entry.offset + entry.length - 1)
        }
        let blobSpan = headerStart - PackLayout.preambleByteCount
        for i in 0..<200 { positions.insert(PackLayout.preambleByteCount + i * blobSpan / 200) }
        #expect(positions.count >= 300)

        let reader = PackReader(keys: keys)
        var headerFailures = 0, blobFailures = 0
        for position in positions.sorted() {
            var mutated = original
            mutated[position] ^= UInt8(1 + generator.next() % 255)
            let header: [PackEntry]
            do {
                header = try reader.header(of: mutated, name: "pack").entries
            } catch {
                #expect(error is FormatError, "position \(position): \(error)")
                headerFailures += 1
                continue
            }
            // The header survived: the flip must be inside a blob, and only that blob fails.
            #expect(position >= PackLayout.preambleByteCount && position < headerStart,
                    "flip at \(position) (header at \(headerStart), trailer at \(trailerStart)) went unnoticed by the header")
            #expect(header == entries)
            for entry in header {
                let hit = (entry.offset..<entry.offset + entry.length).contains(position)
                do {
                    let plaintext = try open(mutated, entry, salt: built.pack.salt)
                    #expect(!hit, "flip at \(position) inside blob \(entry.id) went unnoticed")
                    #expect(plaintext == expected[entry.id], "blob \(entry.id) opened to the wrong plaintext")
                } catch {
                    #expect(hit, "blob \(entry.id) fails though the flip at \(position) is elsewhere")
                    #expect(FormatFixtures.isCorrupt(error), "\(error)")
                    blobFailures += 1
                }
            }
        }
        #expect(headerFailures >= PackLayout.preambleByteCount + (original.count - headerStart))
        #expect(blobFailures >= 200)
    }

    @Test func everyTruncationOfAPackIsRefused() throws {
        var generator = FormatFixtures.Generator(seed: 5)
        let built = try build(.tree, [generator.bytes(300), FormatFixtures.compressible(900, using: &generator), []])
        let reader = PackReader(keys: keys)
        for length in 0..<built.bytes.count {
            #expect(throws: FormatError.self, "truncated to \(length)") {
                try reader.header(of: Array(built.bytes[..<length]), name: "pack")
            }
        }
        // Appended garbage moves the trailer: refused too.
        #expect(throws: FormatError.self) { try reader.header(of: built.bytes + [0, 0, 0, 0], name: "pack") }
        #expect(throws: FormatError.self) { try reader.header(of: [0] + built.bytes, name: "pack") }
    }

    /// The header authenticates on its own, so the reader must also check that the blobs it
    /// lists fill the pack exactly: bytes slipped in among the blobs or before the header
    /// are refused.
    @Test func insertedBytesAreRefused() throws {
        var generator = FormatFixtures.Generator(seed: 9)
        let built = try build(.data, [generator.bytes(500), generator.bytes(300)])
        let entries = built.pack.entries
        let headerStart = entries[1].offset + entries[1].length
        let reader = PackReader(keys: keys)
        for position in [entries[1].offset, headerStart] {
            for count in [1, 29, 100] {
                var bytes = built.bytes
                bytes.insert(contentsOf: [UInt8](repeating: 0, count: count), at: position)
                #expect(throws: FormatError.self, "\(count) bytes at \(position)") { try reader.header(of: bytes, name: "pack") }
            }
        }
        // Bytes removed before the header, likewise.
        var shorter = built.bytes
        shorter.remove(at: headerStart - 1)
        #expect(throws: FormatError.self) { try reader.header(of: shorter, name: "pack") }
    }

    @Test func packOfAnotherRepositoryOrVersionIsRefused() throws {
        let built = try build(.data, [[1, 2, 3]])
        #expect(throws: FormatError.self) { try PackReader(keys: RepositoryKeys.generate()).header(of: built.bytes, name: "pack") }
        var newer = built.bytes
        newer[4] = 3
        #expect(throws: FormatError.unsupportedVersion(object: "pack", version: 3, supported: 2)) {
            try PackReader(keys: keys).header(of: newer, name: "pack")
        }
        var notAPack = built.bytes
        notAPack[0] = UInt8(ascii: "X")
        #expect(throws: FormatError.corrupt("pack", "not a pack")) { try PackReader(keys: keys).header(of: notAPack, name: "pack") }
    }

    /// The associated data binds a blob to its id and type; the index's lengths are checked.
    @Test func blobOpensOnlyUnderItsOwnEntry() throws {
        var generator = FormatFixtures.Generator(seed: 6)
        let built = try build(.data, [FormatFixtures.compressible(5_000, using: &generator), generator.bytes(700)])
        let salt = built.pack.salt
        for entry in built.pack.entries {
            #expect(try open(built.bytes, entry, salt: salt).count == entry.plaintextLength)

            var wrongID = entry
            wrongID.id = generator.digest()
            #expect(throws: FormatError.self) { try open(built.bytes, wrongID, salt: salt) }

            // One bit of the id differs.
            var bytes = entry.id.bytes
            bytes[31] ^= 1
            var nearID = entry
            nearID.id = FormatFixtures.digest(bytes)
            #expect(throws: FormatError.self) { try open(built.bytes, nearID, salt: salt) }

            var wrongType = entry
            wrongType.type = .tree
            #expect(throws: FormatError.self) { try open(built.bytes, wrongType, salt: salt) }

            var wrongLength = entry
            wrongLength.plaintextLength += 1
            #expect(throws: FormatError.self) { try open(built.bytes, wrongLength, salt: salt) }

            var shorter = entry
            shorter.length -= 1
            #expect(throws: FormatError.self) { try open(built.bytes, shorter, salt: salt) }

            var shifted = entry
            shifted.offset += 1
            #expect(throws: FormatError.self) { try open(built.bytes, shifted, salt: salt) }

            #expect(throws: FormatError.self) { try open(built.bytes, entry, salt: [UInt8](repeating: 0, count: 16)) }
            #expect(throws: FormatError.self) { try open(built.bytes, entry, salt: salt, keys: RepositoryKeys.generate()) }
        }
        // A blob sealed for another place in the index cannot be swapped in: blob 0 opened
        // under blob 1's entry (id, offset and length of blob 0, id of blob 1).
        var swapped = built.pack.entries[0]
        swapped.id = built.pack.entries[1].id
        #expect(throws: FormatError.self) { try open(built.bytes, swapped, salt: salt) }
    }

    @Test func packsHaveFreshSaltsAndNonces() throws {
        let plaintexts: [[UInt8]] = [Array("same".utf8)]
        let first = try build(.data, plaintexts, seed: 8)
        let second = try build(.data, plaintexts, seed: 8)
        #expect(first.pack.salt != second.pack.salt)
        #expect(first.pack.id != second.pack.id)
        #expect(first.pack.entries == second.pack.entries)
        #expect(try open(first.bytes, first.pack.entries[0], salt: first.pack.salt) == plaintexts[0])
        // The same blob twice in one pack is sealed under different nonces.
        let twice = try build(.data, [plaintexts[0], plaintexts[0]])
        let (a, b) = (twice.pack.entries[0], twice.pack.entries[1])
        #expect(twice.bytes[a.offset..<a.offset + a.length] != twice.bytes[b.offset..<b.offset + b.length])
    }

    /// With a pool of one buffer, a second writer must wait while a first one (or its
    /// finished pack) holds the buffer. Returns whether it waited, then lets it proceed.
    static func secondWriterWaits(pool: PackBufferPool, keys: RepositoryKeys) throws -> Bool {
        var first: PackWriter? = try PackWriter(type: .data, keys: keys, compressor: BlobCompressor(), targetSize: 32 << 10, pool: pool)
        let took = DispatchSemaphore(value: 0)
        let thread = Thread {
            let second = try? PackWriter(type: .data, keys: keys, compressor: BlobCompressor(), targetSize: 32 << 10, pool: pool)
            took.signal()
            _ = second
        }
        thread.start()
        let waited = took.wait(timeout: .now() + 0.3) == .timedOut
        #expect(first != nil)
        first = nil  // gives the buffer back
        if waited { #expect(took.wait(timeout: .now() + 10) == .success, "the second writer never got the buffer back") }
        return waited
    }

    /// The pool is the archiver's memory bound: a pack that outgrew its buffer must not
    /// leave the pool with room for more buffers than its count.
    @Test func poolStillBoundsBuffersAfterAPackGrew() throws {
        var generator = FormatFixtures.Generator(seed: 10)
        let pool = PackBufferPool(bufferSize: 64 << 10, count: 1)
        #expect(try Self.secondWriterWaits(pool: pool, keys: keys), "control: a pool of one hands out one buffer")

        // An ordinary pack, finished and dropped.
        do {
            let writer = try PackWriter(type: .data, keys: keys, compressor: BlobCompressor(), targetSize: 32 << 10, pool: pool)
            try generator.bytes(1_000).withUnsafeBytes { _ = try writer.add(id: generator.digest(), plaintext: $0) }
            _ = try writer.finish()
        }
        #expect(try Self.secondWriterWaits(pool: pool, keys: keys), "after an ordinary pack")

        // A pack that outgrew the pool's buffer, finished and dropped.
        do {
            let writer = try PackWriter(type: .data, keys: keys, compressor: BlobCompressor(), targetSize: 32 << 10, pool: pool)
            try generator.bytes(200_000).withUnsafeBytes { _ = try writer.add(id: generator.digest(), plaintext: $0) }
            let pack = try writer.finish()
            #expect(pack.size > 200_000)
            #expect(try PackReader(keys: keys).header(of: Array(pack.bytes!), name: "pack").entries == pack.entries)
        }
        #expect(try Self.secondWriterWaits(pool: pool, keys: keys), "after a pack that outgrew its buffer")

        // A writer that outgrew its buffer and was dropped unfinished (a failed snapshot).
        do {
            let writer = try PackWriter(type: .data, keys: keys, compressor: BlobCompressor(), targetSize: 32 << 10, pool: pool)
            try generator.bytes(200_000).withUnsafeBytes { _ = try writer.add(id: generator.digest(), plaintext: $0) }
        }
        #expect(try Self.secondWriterWaits(pool: pool, keys: keys), "after an unfinished writer that outgrew its buffer")
    }
}
