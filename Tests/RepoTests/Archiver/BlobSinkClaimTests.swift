import Crypto
import Foundation
@testable import Repo
import Testing

/// What a `BlobSink` remembers of the blobs it was asked to store: only until the index
/// lists them, or a first snapshot of a million small files holds a million ids to its end.
@Suite struct BlobSinkClaimTests {
    /// Claims and stores `count` distinct blobs, as the archiver does for small files.
    static func claimAndStore(_ count: Int, in sink: BlobSink, of repository: Repository,
                              using generator: inout FormatFixtures.Generator) throws -> [Digest256] {
        var ids: [Digest256] = []
        while ids.count < count {
            let plaintext = generator.bytes(512)
            let id = plaintext.withUnsafeBytes { repository.blobID(of: $0) }
            guard sink.claim(id) else { continue }
            try sink.add(BlobSink.Job(id: id, type: .data, plaintext: plaintext))
            ids.append(id)
        }
        return ids
    }

    @Test func claimsEndOnceTheIndexListsTheirBlobs() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        var generator = FormatFixtures.Generator(seed: 7)
        let sink = BlobSink(repository: repository, workers: 2)
        let ids = try Self.claimAndStore(300, in: sink, of: repository, using: &generator)
        #expect(sink.claimedCount == 300)
        try sink.finish()

        #expect(sink.claimedCount == 0)
        // The index answers for them now: none is claimed, so none is stored, twice.
        #expect(ids.allSatisfy { repository.contains($0) && !sink.claim($0) })
        #expect(sink.claimedCount == 0)
    }

    @Test func aFullIndexBatchEndsItsClaimsWhileTheSnapshotGoesOn() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        var parameters = RepositoryParameters()
        parameters.packTargetSize = 1 << 20  // the smallest allowed
        let (repository, _) = try FormatFixtures.makeRepository(in: directory, parameters: parameters)
        var generator = FormatFixtures.Generator(seed: 8)
        let sink = BlobSink(repository: repository, workers: 2)
        defer { try? sink.finish() }
        // 64 packs of about 1 MiB (16 blobs of 64 KiB each) make an index batch.
        var ids: [Digest256] = []
        while ids.count < 64 * 17 + 64 {
            let plaintext = generator.bytes(64 << 10)
            let id = plaintext.withUnsafeBytes { repository.blobID(of: $0) }
            guard sink.claim(id) else { continue }
            try sink.add(BlobSink.Job(id: id, type: .data, plaintext: plaintext))
            ids.append(id)
        }
        // The first batch is indexed once its 64th pack is stored, on an upload thread.
        let deadline = ContinuousClock.now + .seconds(30)
        while !repository.contains(ids[0]) && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(repository.contains(ids[0]))
        // At least 64 packs of at least 15 blobs left the set.
        #expect(sink.claimedCount <= ids.count - 64 * 15)
    }
}
