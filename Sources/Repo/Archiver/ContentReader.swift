import Chunker
import Codec
import Crypto
import Foundation
import Posix
import Workers

/// Turns one file or stream into content pieces: reads it, picks the chunk sizes for its
/// kind of data, chunks it, names every chunk and hands the chunks the repository lacks
/// to the blob sink.
///
/// Runs on the archiver's thread, which reads and chunks. Chunks of small files are named
/// (HMAC) here too; chunks of large files and streams are named by the sink's workers
/// (`PendingChunkIDs`), which also compress and seal in parallel. Not thread-safe.
final class ContentReader {
    private let repository: Repository
    private let sink: BlobSink
    /// Seen before every read: a large file or a long dump stops within one buffer.
    private let cancellation: Cancellation
    /// One chunker per content class; classes chunked alike share one (and its buffer).
    private let chunkers: ClassChunkers
    private let namer: BlobNamer
    private let classifier = BlobCompressor()
    /// The start of each file or stream, which decides its class; one buffer for all.
    private let sample = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentClass.sampleSize, alignment: 64)
    /// Named chunks of small files, handed to the sink together (see `BlobSink.Job`).
    private var namedBatch = BlobSink.Job(type: .data)
    /// Bytes read so far, by all calls.
    private(set) var bytesRead: UInt64 = 0

    /// Files at least this large have their chunks named by the sink's workers. Below it,
    /// naming here costs less than the wait for the workers at the end of each file.
    static let parallelNamingThreshold: UInt64 = 1 << 20

    init(repository: Repository, sink: BlobSink, cancellation: Cancellation) throws {
        self.repository = repository
        self.sink = sink
        self.cancellation = cancellation
        let gear = repository.blobs.gear
        chunkers = try ClassChunkers(repository.parameters, gear: gear)
        namer = repository.blobs.namer()
        batchTarget = max(BlobSink.Job.targetBytes, repository.parameters.segments?.maximum ?? 0)
        namedBatch.target = batchTarget
    }

    /// Where batches are handed over: at the segments' maximum when the repository writes
    /// segments, since a worker compresses a batch's new chunks into segments.
    private let batchTarget: Int

    deinit { sample.deallocate() }

    /// The content of the stream behind `file`, read to its end. `expectedSize` is the file's
    /// size as the walk saw it (nil for a stream). `regions` are the data regions of a
    /// sparse file of `size` bytes (nil: all of it is data); the gaps become holes.
    func read(_ file: FileDescriptor, expectedSize: UInt64?, size: UInt64? = nil, regions: [Range<UInt64>]? = nil) throws -> [ContentPiece] {
        var content = Content(pending: (expectedSize ?? .max) >= Self.parallelNamingThreshold ? PendingChunkIDs() : nil,
                              spareBuffer: sink.spareBuffer)
        if let regions, let size {
            var position: UInt64 = 0
            for region in regions where !region.isEmpty {
                if region.lowerBound > position { content.pieces.append(.hole(region.lowerBound - position)) }
                do throws(Errno) {
                    try file.seek(to: Int(region.lowerBound))
                } catch {
                    throw SnapshotError.read(error.code)
                }
                try chunk(file, limit: region.upperBound - region.lowerBound, into: &content)
                position = region.upperBound
            }
            if size > position { content.pieces.append(.hole(size - position)) }
        } else {
            try chunk(file, limit: nil, into: &content)
        }
        if let batch = content.batch, !batch.isEmpty { try sink.add(batch) }
        return try content.resolved(failure: { sink.error })
    }

    /// Hands over the chunks still batched; call before finishing the sink.
    func flush() throws {
        guard !namedBatch.isEmpty else { return }
        try sink.add(namedBatch)
        namedBatch = BlobSink.Job(type: .data)
        namedBatch.target = batchTarget
        namedBatch.reuse(sink.spareBuffer())
    }

    /// A file's pieces as they are cut; with `pending`, blob pieces hold a slot number
    /// until the workers have named them.
    private struct Content {
        let pending: PendingChunkIDs?
        var pieces: [ContentPiece] = []
        /// Where each pending slot's blob sits in `pieces`.
        var slotPositions: [Int] = []
        /// Chunks cut but not yet handed to the sink.
        var batch: BlobSink.Job?
        var batchTarget = BlobSink.Job.targetBytes

        /// A buffer for the next batch, reused from one the workers are done with.
        let spareBuffer: () -> [UInt8]

        init(pending: PendingChunkIDs?, spareBuffer: @escaping () -> [UInt8]) {
            self.pending = pending
            self.spareBuffer = spareBuffer
        }

        /// Records a chunk to be named by the workers; returns a batch that is ready.
        mutating func add(_ chunk: UnsafeRawBufferPointer, pending: PendingChunkIDs) -> BlobSink.Job? {
            // Taken out of `self.batch` first: a second reference to its buffer would make
            // every append copy the whole batch.
            var batch: BlobSink.Job
            if let open = self.batch {
                batch = open
                self.batch = nil
            } else {
                batch = BlobSink.Job(type: .data, pending: pending, firstSlot: slotPositions.count)
                batch.target = batchTarget
                batch.reuse(spareBuffer())
            }
            slotPositions.append(pieces.count)
            pieces.append(.blob(.zero))
            batch.append(chunk)
            guard batch.isFull else {
                self.batch = batch
                return nil
            }
            return batch
        }

        func resolved(failure: () -> Error?) throws -> [ContentPiece] {
            guard let pending, !slotPositions.isEmpty else { return pieces }
            let ids = try pending.wait(for: slotPositions.count, failure: failure)
            var pieces = pieces
            for (slot, position) in slotPositions.enumerated() { pieces[position] = .blob(ids[slot]) }
            return pieces
        }
    }

    /// Chunks up to `limit` bytes (or to the end) from the current offset of `file`.
    private func chunk(_ file: FileDescriptor, limit: UInt64?, into content: inout Content) throws {
        var remaining = limit ?? UInt64.max
        let reader: (UnsafeMutableRawBufferPointer) throws -> Int = { [self] target in
            guard remaining > 0 else { return 0 }
            try cancellation.check()
            let wanted = Int(min(UInt64(target.count), remaining))
            let n: Int
            do throws(Errno) {
                n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: target[..<wanted]))
            } catch {
                throw SnapshotError.read(error.code)
            }
            remaining -= UInt64(n)
            bytesRead += UInt64(n)
            return n
        }
        // The start of the stream decides its chunk sizes: read a sample, classify it, then
        // serve it to the chunker ahead of the rest of the stream.
        var sampled = 0
        while sampled < sample.count {
            let n = try reader(UnsafeMutableRawBufferPointer(rebasing: sample[sampled...]))
            if n == 0 { break }
            sampled += n
        }
        let head = UnsafeRawBufferPointer(rebasing: sample[..<sampled])
        let contentClass = ContentClass(sample: head, compressor: classifier)
        let chunker = chunkers[contentClass]
        // What does not compress is never segmented: its batches stay small, as before segments.
        content.batchTarget = contentClass == .binary ? BlobSink.Job.targetBytes : batchTarget
        var served = 0
        try chunker.chunk(reader: { target in
            if served < sampled {
                let n = min(target.count, sampled - served)
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: head[served..<served + n]))
                served += n
                return n
            }
            return try reader(target)
        }) { chunk in
            if let pending = content.pending {
                if let ready = content.add(chunk, pending: pending) { try self.sink.add(ready) }
            } else {
                let id = self.namer.name(chunk)
                if self.sink.claim(id) {
                    self.namedBatch.append(chunk, id: id)
                    if self.namedBatch.isFull { try self.flush() }
                }
                content.pieces.append(.blob(id))
            }
        }
    }

    /// Stores a tree blob unless the repository has it; returns its id.
    func store(tree: Tree) throws -> Digest256 {
        let bytes = tree.encoded()
        let id = bytes.withUnsafeBytes { repository.blobID(of: $0) }
        if sink.claim(id) { try sink.add(BlobSink.Job(id: id, type: .tree, plaintext: bytes)) }
        return id
    }
}

/// Why a snapshot could not be taken (as opposed to a file that was skipped).
public enum SnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    case read(Int32)
    /// `--stdin-from-command` exited non-zero or was killed: no snapshot was written.
    case commandFailed(command: String, status: Int32, stderrTail: String)
    case commandNotStarted(command: String, reason: String)
    case noPaths

    public var description: String {
        switch self {
        case .read(let code): return "read failed: \(Errno.message(code))"
        case .commandFailed(let command, let status, let stderrTail):
            return "\(command) \(ChildProcess.Exit(status: status, stderrTail: stderrTail)); no snapshot written"
        case .commandNotStarted(let command, let reason):
            return "cannot run \(command): \(reason); no snapshot written"
        case .noPaths: return "nothing to back up: give at least one path"
        }
    }
}
