import Codec
import Crypto
import Foundation
import Synchronization
import Workers

/// Where finished packs go: stored, then indexed in batches (`IndexBatch`). Also owns the
/// rules every pack writer follows: pack sizes per blob type, and the buffers packs are
/// built in (`PackBufferPool`), whose number bounds the memory of the whole pipeline.
///
/// With `uploads: .background` packs are stored on upload threads, as many as the backend
/// serves well (an object store hides its latency behind several uploads at once; a disk
/// needs one), while the writers go on filling the next packs (a snapshot's workers). With
/// `.inline` they are stored on the thread that finished them (prune's repack, one pack at
/// a time).
///
/// Order of writes (what makes a crash harmless): a pack is stored before any index object
/// lists it, and `finish()` returns only after every pack and index object is stored, so
/// a snapshot written after it never refers to a blob that is not durably there.
final class BlobUploader: Sendable {
    enum Uploads { case background, inline }

    /// Tree packs are read often and whole: kept smaller than data packs.
    static func treePackSize(_ parameters: RepositoryParameters) -> Int { min(parameters.packTargetSize, 4 << 20) }
    /// Room in a pack buffer beyond the pack's target: the largest blob (4 MiB chunks at
    /// most) and the pack's header.
    static let bufferHeadroom = 4 << 20 + (1 << 16)

    private let repository: Repository
    private let dataBuffers: PackBufferPool
    private let treeBuffers: PackBufferPool
    private let finished: BoundedQueue<FinishedPack>?
    private let addingToMemory: Bool
    private let onFailure: @Sendable () -> Void
    private let onIndexed: @Sendable ([IndexedPack]) -> Void
    private struct State {
        /// The upload threads; not cancelled themselves: a stop drains them through `finish()`.
        var uploads: WorkerPool.Running?
        var failure: Error?
        var unindexed = IndexBatch()
        var stored = 0
    }
    private let state = Mutex(State())

    /// `writers`: how many threads fill packs at once. `addingToMemory`: whether stored
    /// packs join the in-memory index (a snapshot deduplicates against them; prune, which
    /// works on the index it loaded, does not). `onFailure` runs once, at the first error.
    /// `onIndexed` is given each batch of packs once its index object is written (and, with
    /// `addingToMemory`, the in-memory index has them).
    init(repository: Repository, writers: Int, uploads mode: Uploads, addingToMemory: Bool = true,
         onFailure: @escaping @Sendable () -> Void = {}, onIndexed: @escaping @Sendable ([IndexedPack]) -> Void = { _ in }) {
        self.repository = repository
        self.addingToMemory = addingToMemory
        self.onFailure = onFailure
        self.onIndexed = onIndexed
        // Capped at 4: each upload in flight holds a pack buffer.
        let uploaders = mode == .inline ? 0 : max(1, min(4, repository.backend.preferredConcurrency))
        if repository.backend.streamsObjects {
            // Packs go to their stream as they fill: a writer's buffer holds about one
            // blob, and a finished pack holds no buffer while it waits to be committed.
            dataBuffers = PackBufferPool(bufferSize: Self.bufferHeadroom, count: writers)
            treeBuffers = PackBufferPool(bufferSize: Self.bufferHeadroom, count: writers)
        } else {
            // One open pack per writer and one per upload in flight; a finished pack waits
            // in `finished` only while a writer still holds its next buffer.
            let parameters = repository.parameters
            dataBuffers = PackBufferPool(bufferSize: parameters.packTargetSize + Self.bufferHeadroom, count: writers + uploaders)
            treeBuffers = PackBufferPool(bufferSize: Self.treePackSize(parameters) + Self.bufferHeadroom, count: writers + uploaders)
        }
        finished = mode == .inline ? nil : BoundedQueue(capacity: 1)
        if uploaders > 0 {
            let running = WorkerPool(threads: uploaders).start(uploaders) { [self] _ in upload() }
            state.withLock { $0.uploads = running }
        }
    }

    /// The first error of any upload or writer; once set, what is being written is doomed.
    var error: Error? { state.withLock { $0.failure } }

    /// Bytes of the packs stored so far.
    var bytesStored: Int { state.withLock { $0.stored } }

    /// Records the first failure and stops the uploads.
    func fail(_ error: Error) {
        let first = state.withLock { state -> Bool in
            guard state.failure == nil else { return false }
            state.failure = error
            return true
        }
        finished?.close()
        if first { onFailure() }
    }

    /// A new pack of `type`, by the rules for its type.
    func makeWriter(_ type: BlobType, compressor: BlobCompressor) throws -> PackWriter {
        let parameters = repository.parameters
        return try repository.blobs.packWriter(
            type, compressor: compressor,
            targetSize: type == .data ? parameters.packTargetSize : Self.treePackSize(parameters),
            pool: type == .data ? dataBuffers : treeBuffers, stream: repository.backend.makeStream(type.packKind))
    }

    /// Stores `pack` (on an upload thread, or here) and indexes it in its turn.
    func submit(_ pack: FinishedPack) throws {
        guard let finished else { return try store(pack) }
        guard finished.push(pack) else { throw error ?? Closed() }
    }

    /// A pack was finished after the uploads stopped: they stop only on an error, which
    /// `error` then holds.
    struct Closed: Error, CustomStringConvertible {
        var description: String { "internal error: pack finished after the uploads stopped" }
    }

    /// Waits for every upload and writes the index for what is not indexed yet. Call once
    /// no writer is open.
    func finish() throws {
        finished?.close()
        state.withLock { $0.uploads }?.join()
        if let error { throw error }
        try index(state.withLock { $0.unindexed.drain() })
    }

    private func upload() {
        while let pack = finished?.pop() {
            do {
                try store(pack)
            } catch {
                fail(error)
            }
        }
    }

    private func store(_ pack: FinishedPack) throws {
        try pack.store(in: repository.backend)
        let ready = state.withLock { state -> [IndexedPack]? in
            state.stored += pack.size
            return state.unindexed.add(pack.indexed)
        }
        if let ready { try index(ready) }
    }

    private func index(_ packs: [IndexedPack]) throws {
        try repository.saveIndex(packs, addingToMemory: addingToMemory)
        onIndexed(packs)
    }
}
