import Codec
import Crypto
import Foundation
import Storage
@testable import Repo
import TestSupport
import Testing

/// The blob layer on its own: packs written through the uploader, read back in spans.
@Suite struct BlobLayerTests {
    /// Stores `blobs` as data blobs through an inline uploader; returns their ids.
    static func store(_ blobs: [[UInt8]], in repository: Repository) throws -> [Digest256] {
        let uploader = BlobUploader(repository: repository, writers: 1, uploads: .inline)
        var packs = OpenPacks(uploader: uploader, compressor: BlobCompressor())
        let ids = try blobs.map { bytes in
            try bytes.withUnsafeBytes { plaintext in
                let id = repository.blobs.id(of: plaintext)
                try packs.add(.data, id: id, plaintext: plaintext)
                return id
            }
        }
        try packs.close()
        try uploader.finish()
        return ids
    }

    /// The entries of `ids`, all in one pack, by offset.
    static func entries(_ ids: [Digest256], in repository: Repository) throws -> (pack: Digest256, entries: [PackEntry]) {
        let locations = try ids.map { try #require(repository.location(of: $0)) }
        let pack = locations[0].pack
        try #require(locations.allSatisfy { $0.pack == pack }, "one pack")
        let entries = zip(ids, locations).map { id, location in
            PackEntry(type: .data, id: id, offset: location.offset, length: location.length, plaintextLength: location.plaintextLength)
        }
        return (pack, entries.sorted { $0.offset < $1.offset })
    }

    @Test func blobsLoadInSpansAndDamageStaysWithItsBlob() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        var generator = SeededGenerator(seed: 14)
        let blobs = (0..<8).map { _ in generator.bytes(100_000) }
        let ids = try Self.store(blobs, in: repository)
        let (pack, entries) = try Self.entries(ids, in: repository)

        // One byte of the fourth blob flipped on disk.
        let damaged = entries[3]
        let path = "\(directory)/repo/data/\(pack.hex.prefix(2))/\(pack.hex)"
        try FormatFixtures.flipByte(at: damaged.offset + damaged.length / 2, of: path)

        let reader = PackBlobReader(store: repository.blobs)
        var requests = 0
        var loaded: [Digest256: [UInt8]] = [:]
        var failed: [Digest256] = []
        try reader.load(entries, fromPack: pack, type: .data, spans: PackSpans(preferredReadSize: 0, gap: 0, maximumSpan: 250_000),
                        read: { _ in requests += 1 }, unreadable: { _, error in Issue.record(error) }) { index, result in
            switch result {
            case .success(let blob): loaded[entries[index].id] = Array(blob.plaintext)
            case .failure(let error):
                #expect(error is FormatError, "\(error)")
                failed.append(entries[index].id)
            }
        }
        #expect(requests == 4, "spans of at most two blobs")
        #expect(failed == [damaged.id])
        for (id, bytes) in zip(ids, blobs) where id != damaged.id { #expect(loaded[id] == bytes) }

        // A pack that cannot be read: every span is reported, no blob.
        try repository.backend.delete(ObjectName(.dataPack, pack.hex))
        var unreadable: [Range<Int>] = []
        try reader.load(entries, fromPack: pack, type: .data, spans: PackSpans(preferredReadSize: 0, gap: 0, maximumSpan: 250_000),
                        unreadable: { span, _ in unreadable.append(span) }) { _, _ in Issue.record("no blob from a missing pack") }
        #expect(unreadable == [0..<2, 2..<4, 4..<6, 6..<8])
    }

    @Test func indexObjectsEndAtSixtyFourPacksOrTheBlobLimit() {
        func pack(blobs: Int) -> IndexedPack {
            IndexedPack(id: .zero, type: .data, salt: [], size: 0,
                        entries: Array(repeating: PackEntry(type: .data, id: .zero, offset: 0, length: 0, plaintextLength: 0), count: blobs))
        }
        var batch = IndexBatch()
        for _ in 0..<63 { #expect(batch.add(pack(blobs: 1))?.count == nil) }
        #expect(batch.add(pack(blobs: 1))?.count == 64)
        #expect(batch.drain().isEmpty)
        #expect(batch.add(pack(blobs: IndexBatch.blobsPerIndex - 1))?.count == nil)
        #expect(batch.add(pack(blobs: 1))?.count == 2)
        #expect(batch.add(pack(blobs: 5))?.count == nil)
        #expect(batch.drain().count == 1)
    }

    /// On a slow link 64 packs take long: an index object is written once the first pack
    /// waiting for one was stored a minute ago, so a kill repeats at most that much.
    @Test func indexObjectsEndOnceTheirFirstPackWaitedAMinute() {
        let pack = IndexedPack(id: .zero, type: .data, salt: [], size: 0,
                               entries: [PackEntry(type: .data, id: .zero, offset: 0, length: 0, plaintextLength: 0)])
        let start = Date(timeIntervalSince1970: 1_000_000)
        var batch = IndexBatch()
        #expect(batch.add(pack, now: start) == nil)
        #expect(batch.add(pack, now: start + 30) == nil)
        #expect(batch.add(pack, now: start + 59.9) == nil)
        #expect(batch.add(pack, now: start + 60)?.count == 4)
        // The clock starts again with the next pack.
        #expect(batch.add(pack, now: start + 100) == nil)
        #expect(batch.add(pack, now: start + 159) == nil)
        #expect(batch.add(pack, now: start + 161)?.count == 3)
        var quick = IndexBatch(maximumAge: 5)
        #expect(quick.add(pack, now: start) == nil)
        #expect(quick.add(pack, now: start + 5)?.count == 2)
    }
}
