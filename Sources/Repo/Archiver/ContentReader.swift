import Chunker
import Codec
import Crypto
import Foundation

/// Turns one file or stream into content pieces: reads it, picks the chunk sizes for its
/// kind of data, chunks it, names every chunk and hands the chunks the repository lacks
/// to the blob sink.
///
/// Runs on the archiver's thread; chunking and naming (HMAC) happen here while the sink's
/// workers compress and seal in parallel. Not thread-safe.
final class ContentReader {
    private let repository: Repository
    private let sink: BlobSink
    private let textChunker: StreamChunker
    private let binaryChunker: StreamChunker
    private let hasher: HMACSHA256Hasher
    private let classifier = BlobCompressor()
    /// Blobs queued during this snapshot, not yet in the index.
    private var queued = Set<Digest256>()
    /// What the content of the current file cost: bytes read, and bytes of new chunks.
    private(set) var bytesRead: UInt64 = 0
    private(set) var newChunkBytes: UInt64 = 0

    /// How much of a file decides its class: whether this much of its start compresses.
    static let classificationSampleSize = 64 << 10

    init(repository: Repository, sink: BlobSink) throws {
        self.repository = repository
        self.sink = sink
        let gear = repository.keys.gear
        textChunker = StreamChunker(parameters: try repository.parameters.textChunking.parameters(), gear: gear)
        binaryChunker = StreamChunker(parameters: try repository.parameters.binaryChunking.parameters(), gear: gear)
        hasher = HMACSHA256Hasher(key: repository.keys.blobIDKey)
    }

    /// The content of the stream behind `fd`, read to its end. `regions` are the data
    /// regions of a sparse file (nil: all of it is data); the gaps become holes.
    func read(fd: Int32, size: UInt64? = nil, regions: [Range<UInt64>]? = nil) throws -> [ContentPiece] {
        var pieces = [ContentPiece]()
        guard let regions, let size else {
            try chunk(fd: fd, limit: nil, into: &pieces)
            return pieces
        }
        var position: UInt64 = 0
        for region in regions where !region.isEmpty {
            if region.lowerBound > position { pieces.append(.hole(region.lowerBound - position)) }
            guard lseek(fd, off_t(region.lowerBound), SEEK_SET) >= 0 else { throw SnapshotError.read(errno) }
            try chunk(fd: fd, limit: region.upperBound - region.lowerBound, into: &pieces)
            position = region.upperBound
        }
        if size > position { pieces.append(.hole(size - position)) }
        return pieces
    }

    /// Chunks up to `limit` bytes (or to the end) from the current offset of `fd`.
    private func chunk(fd: Int32, limit: UInt64?, into pieces: inout [ContentPiece]) throws {
        var remaining = limit ?? UInt64.max
        let reader: (UnsafeMutableRawBufferPointer) throws -> Int = { [self] target in
            guard remaining > 0 else { return 0 }
            let wanted = Int(min(UInt64(target.count), remaining))
            while true {
                let n = Glibc.read(fd, target.baseAddress, wanted)
                if n >= 0 {
                    remaining -= UInt64(n)
                    bytesRead += UInt64(n)
                    return n
                }
                if errno != EINTR { throw SnapshotError.read(errno) }
            }
        }
        // The start of the stream decides its chunk sizes: read a sample, classify it, then
        // serve it to the chunker ahead of the rest of the stream.
        let sample = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.classificationSampleSize, alignment: 64)
        defer { sample.deallocate() }
        var sampled = 0
        while sampled < sample.count {
            let n = try reader(UnsafeMutableRawBufferPointer(rebasing: sample[sampled...]))
            if n == 0 { break }
            sampled += n
        }
        let head = UnsafeRawBufferPointer(rebasing: sample[..<sampled])
        let chunker = classifier.looksCompressible(head) ? textChunker : binaryChunker
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
            pieces.append(.blob(try self.store(chunk)))
        }
    }

    /// Names a chunk and queues it for storage unless the repository has it.
    private func store(_ chunk: UnsafeRawBufferPointer) throws -> Digest256 {
        hasher.update(chunk)
        let id = hasher.finalize()
        if !queued.contains(id) && !repository.contains(id) {
            queued.insert(id)
            newChunkBytes += UInt64(chunk.count)
            try sink.add(BlobSink.Job(id: id, type: .data, plaintext: Array(chunk)))
        }
        return id
    }

    /// Stores a tree blob unless the repository has it; returns its id.
    func store(tree: Tree) throws -> Digest256 {
        let bytes = tree.encoded()
        let id = bytes.withUnsafeBytes { repository.blobID(of: $0) }
        if !queued.contains(id) && !repository.contains(id) {
            queued.insert(id)
            try sink.add(BlobSink.Job(id: id, type: .tree, plaintext: bytes))
        }
        return id
    }

    func resetCounters() {
        bytesRead = 0
        newChunkBytes = 0
    }
}

/// Why a snapshot could not be taken (as opposed to a file that was skipped).
public enum SnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    case read(Int32)
    /// `--stdin-from-command` exited non-zero or was killed: no snapshot was written.
    case commandFailed(command: String, status: Int32)
    case commandNotStarted(command: String, errno: Int32)
    case noPaths

    public var description: String {
        switch self {
        case .read(let code): return "read failed: \(String(cString: strerror(code)))"
        case .commandFailed(let command, let status):
            return "\(command) failed (exit status \(status)): no snapshot written"
        case .commandNotStarted(let command, let code):
            return "cannot run \(command): \(String(cString: strerror(code)))"
        case .noPaths: return "nothing to back up: give at least one path"
        }
    }
}
