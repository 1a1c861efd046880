import Codec
import Crypto
import Foundation

/// Where new blobs go during a snapshot: worker threads compress and seal them into packs,
/// an uploader thread stores finished packs, and index objects follow the packs they list.
///
/// Order of writes (what makes a crash harmless): a pack is stored before any index object
/// lists it, and `finish()` returns only after every pack and index object is stored, so
/// the snapshot written after it never refers to a blob that is not durably there. A crash
/// at any point leaves at most packs that nothing refers to, which prune removes.
final class BlobSink: @unchecked Sendable {
    private let repository: Repository
    private let dataBuffers: PackBufferPool
    private let treeBuffers: PackBufferPool
    private let jobs: BoundedQueue<Job>
    private let finished: BoundedQueue<FinishedPack>
    private let group = DispatchGroup()
    private let uploads = DispatchGroup()
    private let lock = NSLock()
    private var failure: Error?
    private var unindexed: [IndexedPack] = []
    /// How many bytes of chunks may wait for a worker.
    static let queuedBytes = 4 << 20
    /// Index objects end at 64 packs or 65,536 blobs, whichever comes first, so they stay
    /// small (a few MB) whatever the blob size: prune reads and rewrites them one at a time.
    static let packsPerIndex = 64
    static let blobsPerIndex = 65_536
    private var unindexedBlobs = 0
    /// Blobs claimed during this snapshot, not yet in the repository's index.
    private var claimed = Set<Digest256>()

    private(set) var blobsAdded = 0
    private(set) var bytesAdded: UInt64 = 0

    init(repository: Repository, workers: Int) {
        self.repository = repository
        // An object store hides its latency behind several uploads at once; a disk needs one.
        // Capped at 4: each upload in flight holds a pack buffer.
        let uploaders = max(1, min(4, repository.backend.preferredConcurrency))
        let headroom = 4 << 20 + (1 << 16)
        if repository.backend.streamsObjects {
            // Packs go to their stream as they fill: a worker's buffer holds about one
            // blob, and a finished pack holds no buffer while it waits to be committed.
            dataBuffers = PackBufferPool(bufferSize: headroom, count: workers)
            treeBuffers = PackBufferPool(bufferSize: headroom, count: workers)
        } else {
            // One open pack per worker and one per upload in flight; a finished pack waits
            // in `finished` only while a worker still holds its next buffer.
            dataBuffers = PackBufferPool(bufferSize: repository.parameters.packTargetSize + headroom, count: workers + uploaders)
            treeBuffers = PackBufferPool(bufferSize: Self.treePackSize(repository) + headroom, count: workers + uploaders)
        }
        // Measured in bytes: enough chunks that workers never wait for the reader (many
        // batches of text chunks, a few media chunks), not a whole file's worth of them.
        jobs = BoundedQueue(capacity: Self.queuedBytes, weight: { max($0.byteCount, 4096) })
        finished = BoundedQueue(capacity: 1)
        for _ in 0..<max(1, workers) {
            let thread = Thread { [self] in work() }
            thread.stackSize = 1 << 20
            group.enter()
            thread.start()
        }
        for _ in 0..<uploaders {
            uploads.enter()
            Thread { [self] in upload() }.start()
        }
    }

    /// The first error of any worker or upload; once set, the snapshot is doomed.
    var error: Error? { lock.withLock { failure } }

    /// Whether the blob `id` is to be stored: true once, for the first caller, unless the
    /// repository has it already.
    func claim(_ id: Digest256) -> Bool { claim([id])[0] }

    /// `claim` for each id, under one lock.
    func claim(_ ids: [Digest256]) -> [Bool] {
        lock.withLock {
            ids.map { id in
                guard !claimed.contains(id), !repository.contains(id) else { return false }
                claimed.insert(id)
                return true
            }
        }
    }

    /// The ids of the job's blobs: given, or named here.
    private func name(_ job: Job, with namer: HMACSHA256Hasher) -> [Digest256] {
        guard job.pending != nil else { return job.ids }
        var ids: [Digest256] = []
        ids.reserveCapacity(job.count)
        job.withBlobs { _, plaintext in
            namer.update(plaintext)
            ids.append(namer.finalize())
        }
        return ids
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
        group.wait()
        finished.close()
        uploads.wait()
        if let error { throw error }
        let rest = lock.withLock { () -> [IndexedPack] in
            defer { unindexed.removeAll() }
            return unindexed
        }
        try repository.saveIndex(rest)
    }

    private func fail(_ error: Error) {
        lock.withLock { if failure == nil { failure = error } }
        jobs.close()
        finished.close()
    }

    private func work() {
        defer { group.leave() }
        var writers: [BlobType: PackWriter] = [:]
        do {
            let compressor = BlobCompressor(policy: try repository.parameters.compressionPolicy())
            let namer = HMACSHA256Hasher(key: repository.keys.blobIDKey)
            while let job = jobs.pop() {
                let ids = name(job, with: namer)
                // Named blobs were claimed by whoever named them; pending ones are claimed here.
                var kept: [Bool]?
                if let pending = job.pending {
                    pending.fill(from: job.firstSlot, with: ids)
                    kept = claim(ids)
                }
                var added = 0
                var bytes: UInt64 = 0
                try job.withBlobs { index, plaintext in
                    guard kept?[index] ?? true else { return }
                    let writer = try writers[job.type] ?? PackWriter(
                        type: job.type, keys: repository.keys, compressor: compressor,
                        targetSize: job.type == .data ? repository.parameters.packTargetSize : Self.treePackSize(repository),
                        pool: job.type == .data ? dataBuffers : treeBuffers, stream: repository.backend.makeStream(job.type.packKind))
                    let entry = try writer.add(id: ids[index], plaintext: plaintext)
                    added += 1
                    bytes += UInt64(entry.length)
                    if writer.isFull {
                        finished.push(try writer.finish())
                        writers[job.type] = nil
                    } else {
                        writers[job.type] = writer
                    }
                }
                lock.withLock {
                    blobsAdded += added
                    bytesAdded += bytes
                }
            }
            for writer in writers.values where !writer.isEmpty { finished.push(try writer.finish()) }
        } catch {
            fail(error)
        }
    }

    /// Tree packs are read often and whole: keep them smaller than data packs.
    private static func treePackSize(_ repository: Repository) -> Int { min(repository.parameters.packTargetSize, 4 << 20) }

    private func upload() {
        defer { uploads.leave() }
        while let pack = finished.pop() {
            do {
                try pack.store(in: repository.backend)
                let ready = lock.withLock { () -> [IndexedPack]? in
                    unindexed.append(IndexedPack(id: pack.id, type: pack.type, salt: pack.salt, size: pack.size, entries: pack.entries))
                    unindexedBlobs += pack.entries.count
                    guard unindexed.count >= Self.packsPerIndex || unindexedBlobs >= Self.blobsPerIndex else { return nil }
                    defer { (unindexed, unindexedBlobs) = ([], 0) }
                    return unindexed
                }
                if let ready { try repository.saveIndex(ready) }
            } catch {
                fail(error)
            }
        }
    }
}
