import Crypto
import Foundation
@testable import Repo
import Testing

/// The buffers chunks travel in from the reader to the workers: reused job after job, so
/// that a snapshot of large files does not fault in fresh pages for every chunk.
@Suite struct BlobSinkBufferTests {
    /// Minor page faults of the calling thread so far (RUSAGE_THREAD: other tests running at
    /// the same time do not count).
    static func threadPageFaults() -> Int {
        var usage = rusage()
        _ = getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD, left out of Swift's Glibc
        return usage.ru_minflt
    }

    /// 96 chunks of 1 MiB, each its own job as media chunks are: copying them into jobs
    /// touches 24,576 pages. Fresh buffers fault in (and zero) every one of them; reused
    /// ones only those of the few buffers in flight at once.
    @Test func largeChunksReuseJobBuffers() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        var generator = FormatFixtures.Generator(seed: 31)
        let chunk = generator.bytes(1 << 20)
        let sink = BlobSink(repository: repository, workers: 2)
        var faults = 0
        for index in 0..<96 {
            var plaintext = chunk
            withUnsafeBytes(of: index) { plaintext.replaceSubrange(0..<$0.count, with: $0) }
            let id = plaintext.withUnsafeBytes { repository.blobID(of: $0) }
            #expect(sink.claim(id))
            var job = BlobSink.Job(type: .data)
            job.reuse(sink.spareBuffer())
            let before = Self.threadPageFaults()
            plaintext.withUnsafeBytes { job.append($0, id: id) }
            faults += Self.threadPageFaults() - before
            try sink.add(job)
        }
        try sink.finish()
        #expect(sink.blobsAdded == 96)
        let pages = 96 * (1 << 20) / 4096
        #expect(faults < pages / 4, "\(faults) page faults copying \(pages) pages of chunks")
        #expect(sink.spareBuffer().capacity >= 1 << 20)
    }
}
