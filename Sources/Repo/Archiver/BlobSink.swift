import Codec
import Crypto
import Foundation
import Synchronization
import Workers

/// Where new blobs go during a snapshot (and a copy, a repair, a benchmark's synthetic
/// repository): worker threads name what they are given unnamed, claim it, and compress
/// and seal it into packs (`OpenPacks`), which the uploader stores and indexes
/// (`BlobUploader`, which also says why a crash at any point is harmless).
final class BlobSink: Sendable {
    private let repository: Repository
    private let uploader: BlobUploader
    private let jobs: BoundedQueue<Job>
    private let claimed = ClaimedBlobs()
    private struct State {
        /// The workers; not cancelled themselves: a stop drains them through `finish()`.
        var workers: WorkerPool.Running?
        var blobsAdded = 0
        var bytesAdded: UInt64 = 0
        /// Buffers of batches the workers are done with, for the next batches.
        var spareBuffers: [[UInt8]] = []
    }
    private let state = Mutex(State())
    /// How many bytes of chunks may wait for a worker.
    static let queuedBytes = 4 << 20

    var blobsAdded: Int { state.withLock { $0.blobsAdded } }
    /// How many claimed blobs the repository's index does not answer for yet.
    var claimedCount: Int { claimed.count }
    var bytesAdded: UInt64 { state.withLock { $0.bytesAdded } }

    init(repository: Repository, workers: Int) {
        self.repository = repository
        // Measured in bytes: enough chunks that workers never wait for the reader (many
        // batches of text chunks, a few media chunks), not a whole file's worth of them.
        let jobs = BoundedQueue<Job>(capacity: Self.queuedBytes, weight: { max($0.byteCount, 4096) })
        self.jobs = jobs
        // A failed upload stops the workers, and through them the reader. Claims end once
        // the index lists their blobs.
        let claimed = self.claimed
        uploader = BlobUploader(repository: repository, writers: max(1, workers), uploads: .background,
                                onFailure: { jobs.close() }, onIndexed: { claimed.indexed($0) })
        let running = WorkerPool(threads: max(1, workers)).start(max(1, workers)) { [self] _ in work() }
        state.withLock { $0.workers = running }
    }

    /// The first error of any worker or upload; once set, the snapshot is doomed.
    var error: Error? { uploader.error }

    /// Whether the blob `id` is to be stored: true once, for the first caller, unless the
    /// repository has it already.
    func claim(_ id: Digest256) -> Bool { claim([id])[0] }

    /// `claim` for each id, under one lock.
    func claim(_ ids: [Digest256]) -> [Bool] { claimed.claim(ids, isIndexed: repository.contains) }

    /// The ids of the job's blobs: given, or named here.
    private func name(_ job: Job, with namer: BlobNamer) -> [Digest256] {
        guard job.pending != nil else { return job.ids }
        var ids: [Digest256] = []
        ids.reserveCapacity(job.count)
        job.withBlobs { _, plaintext in ids.append(namer.name(plaintext)) }
        return ids
    }

    /// A buffer of a batch the workers are done with (capacity kept), or an empty one.
    func spareBuffer() -> [UInt8] { state.withLock { $0.spareBuffers.popLast() } ?? [] }

    /// Keeps a finished batch's buffer for `spareBuffer` (a few): a batch in fresh pages
    /// costs more in page faults than its compression when batches are a megabyte.
    private func recycle(_ buffer: consuming [UInt8]) {
        guard buffer.capacity >= Job.targetBytes else { return }
        var buffer = Optional(consume buffer)
        state.withLock { state in
            if state.spareBuffers.count < 8, let spare = buffer.take() { state.spareBuffers.append(spare) }
        }
    }

    /// Queues a blob; blocks while the workers are busy. Throws the first failure.
    func add(_ job: Job) throws {
        if let error { throw error }
        guard jobs.push(job) else { throw error ?? SinkClosed() }
    }

    /// A blob was offered after `finish()`: a programming error, reported rather than lost.
    struct SinkClosed: Error, CustomStringConvertible {
        var description: String { "internal error: blob stored after the sink was finished" }
    }

    /// Finishes open packs, waits for every upload and writes the remaining index.
    func finish() throws {
        jobs.close()
        state.withLock { $0.workers }?.join()
        try uploader.finish()
    }

    /// The largest segment new chunks are compressed into, when the repository writes
    /// segments.
    private var segmentMaximum: Int? { repository.parameters.segments?.maximum }

    private func work() {
        do {
            var packs = OpenPacks(uploader: uploader, compressor: BlobCompressor(policy: try repository.parameters.compressionPolicy()))
            let namer = repository.blobs.namer()
            while var job = jobs.pop() {
                defer { recycle(job.takeBuffer()) }
                let ids = name(job, with: namer)
                // Named blobs were claimed by whoever named them; pending ones are claimed here.
                var kept: [Bool]?
                if let pending = job.pending {
                    pending.fill(from: job.firstSlot, with: ids)
                    kept = claim(ids)
                }
                var added = 0
                var bytes: UInt64 = 0
                if let maximum = segmentMaximum, job.type == .data {
                    // Consecutive new chunks compressed together (docs/format.md, "Segments").
                    try job.withRuns(keeping: { kept?[$0] ?? true }, maximum: maximum) { run, plaintext in
                        let members = run.map { (id: ids[$0], length: job.length(of: $0)) }
                        let entries = try packs.addSegment(members, plaintext: plaintext)
                        added += entries.count
                        bytes += UInt64(SegmentLayout.runs(entries).reduce(0) { $0 + $1.first!.length })
                    }
                } else {
                    try job.withBlobs { index, plaintext in
                        guard kept?[index] ?? true else { return }
                        let entry = try packs.add(job.type, id: ids[index], plaintext: plaintext)
                        added += 1
                        bytes += UInt64(entry.length)
                    }
                }
                state.withLock { state in
                    state.blobsAdded += added
                    state.bytesAdded += bytes
                }
            }
            try packs.close()
        } catch {
            uploader.fail(error)
        }
    }
}
