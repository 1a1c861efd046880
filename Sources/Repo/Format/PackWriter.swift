import Codec
import Crypto
import Storage

/// Builds one pack: each blob is compressed straight into the pack's buffer and sealed
/// there in place, so a blob's bytes are written once, by the compressor.
///
/// With a stream, the buffer holds only the pack's unwritten tail: when the next blob
/// would not fit, what is buffered goes to the stream (and into the running hash that
/// names the pack), so a pack of any size costs one buffer of about the largest blob.
/// Without one, the whole pack stays in the buffer until it is stored.
///
/// Not thread-safe: a pipeline worker owns its writers.
final class PackWriter {
    let type: BlobType
    let targetSize: Int
    private let salt: [UInt8]
    /// The key generation the pack is sealed under: the newest the writer's keys know.
    private let generation: UInt32
    private let cipher: AES256GCM
    private let compressor: BlobCompressor
    private var buffer: UnsafeMutableRawBufferPointer
    /// Bytes of the pack in the buffer, after the `written` already in the stream.
    private var used: Int
    private var written = 0
    private let stream: ObjectStream?
    private let hasher: SHA256Hasher?
    private(set) var entries: [PackEntry] = []

    private let pool: PackBufferPool
    /// The pool's buffer was replaced by a larger one (see `reserve`).
    private var grown = false

    /// Starts a pack in a buffer from `pool` (waiting for one if all are in use). Packs end
    /// once they pass `targetSize`. Without a stream, the pool's buffers must hold the
    /// target plus one blob; with one, one blob. A larger blob makes the writer grow its
    /// buffer.
    init(type: BlobType, keys: RepositoryKeys, compressor: BlobCompressor, targetSize: Int, pool: PackBufferPool,
         stream: ObjectStream? = nil) throws {
        self.type = type
        self.targetSize = targetSize
        self.compressor = compressor
        self.pool = pool
        self.stream = stream
        hasher = stream == nil ? nil : SHA256Hasher()
        salt = SecureRandom.bytes(count: PackLayout.saltByteCount)
        generation = keys.newestGeneration
        cipher = try AES256GCM(key: keys.packKey(generation: generation, salt: salt))
        let buffer = pool.take()
        let preamble = PackLayout.preamble(generation: generation, salt: salt)
        buffer.copyBytes(from: preamble)
        self.buffer = buffer
        used = preamble.count
    }

    /// A writer dropped unfinished (a failed snapshot) gives its buffer back and throws
    /// its stream away.
    deinit {
        guard !finished else { return }
        PackBufferPool.release(buffer, to: pool, grown: grown)
        stream?.discard()
    }

    private var finished = false

    /// The pack's size so far.
    var size: Int { written + used }

    var isEmpty: Bool { entries.isEmpty }
    /// A pack ends at its target size or at 65,536 blobs: with tiny blobs (small files) the
    /// header would otherwise outgrow the buffer's headroom and the index objects their size.
    static let maximumBlobCount = 65_536

    var isFull: Bool { size >= targetSize || entries.count >= Self.maximumBlobCount }

    /// Compresses, seals and appends one blob; returns its entry.
    @discardableResult
    func add(id: Digest256, plaintext: UnsafeRawBufferPointer) throws -> PackEntry {
        let frameCapacity = BlobCompressor.maxEncodedSize(forInput: plaintext.count)
        try reserve(frameCapacity + AES256GCM.overhead)
        let message = UnsafeMutableRawBufferPointer(rebasing: buffer[used..<used + frameCapacity + AES256GCM.overhead])
        let frameLength = compressor.encode(plaintext, into: UnsafeMutableRawBufferPointer(
            rebasing: message[AES256GCM.nonceByteCount..<AES256GCM.nonceByteCount + frameCapacity]))
        return try seal(message, id: id, frameLength: frameLength, plaintextLength: plaintext.count)
    }

    /// Compresses `plaintext`, the members' plaintexts back to back (`members`: id and
    /// length of each, in order, at least two), into one frame and seals it once as a
    /// segment; returns the members' entries. Returns nil, having added nothing, when the
    /// members do not compress together (codec none): incompressible data is not segmented.
    func addSegment(members: [(id: Digest256, length: Int)], plaintext: UnsafeRawBufferPointer) throws -> [PackEntry]? {
        precondition(type == .data && members.count >= 2, "segments hold two data blobs or more")
        let frameCapacity = BlobCompressor.maxEncodedSize(forInput: plaintext.count)
        try reserve(frameCapacity + AES256GCM.overhead)
        let message = UnsafeMutableRawBufferPointer(rebasing: buffer[used..<used + frameCapacity + AES256GCM.overhead])
        let frame = UnsafeMutableRawBufferPointer(rebasing: message[AES256GCM.nonceByteCount..<AES256GCM.nonceByteCount + frameCapacity])
        let frameLength = compressor.encode(plaintext, into: frame)
        guard frame[0] != CodecID.none.rawValue else { return nil }
        return try sealSegment(message, members: members, frameLength: frameLength)
    }

    /// Seals and appends a segment already encoded as a frame of the members' plaintexts
    /// (prune copying a whole live segment: the frame is kept, only the encryption is new).
    func addSegment(members: [(id: Digest256, length: Int)], frame: UnsafeRawBufferPointer) throws -> [PackEntry] {
        try reserve(frame.count + AES256GCM.overhead)
        let message = UnsafeMutableRawBufferPointer(rebasing: buffer[used..<used + frame.count + AES256GCM.overhead])
        UnsafeMutableRawBufferPointer(rebasing: message[AES256GCM.nonceByteCount..<AES256GCM.nonceByteCount + frame.count])
            .copyMemory(from: frame)
        return try sealSegment(message, members: members, frameLength: frame.count)
    }

    private func sealSegment(_ message: UnsafeMutableRawBufferPointer, members: [(id: Digest256, length: Int)],
                             frameLength: Int) throws -> [PackEntry] {
        let digest = SegmentLayout.digest(members)
        let sealedLength = try PackLayout.withBlobAssociatedData(type: type, id: digest) { aad in
            try cipher.sealInPlace(message, plaintextCount: frameLength, nonce: .random(), authenticating: aad)
        }
        let added = SegmentLayout.entries(type: type, offset: size, sealedLength: sealedLength, members: members)
        entries += added
        used += sealedLength
        return added
    }

    /// Seals and appends a blob already encoded as a frame (prune copying a blob from an
    /// old pack: the frame is kept, only the encryption is new).
    @discardableResult
    func add(id: Digest256, frame: UnsafeRawBufferPointer, plaintextLength: Int) throws -> PackEntry {
        try reserve(frame.count + AES256GCM.overhead)
        let message = UnsafeMutableRawBufferPointer(rebasing: buffer[used..<used + frame.count + AES256GCM.overhead])
        UnsafeMutableRawBufferPointer(rebasing: message[AES256GCM.nonceByteCount..<AES256GCM.nonceByteCount + frame.count])
            .copyMemory(from: frame)
        return try seal(message, id: id, frameLength: frame.count, plaintextLength: plaintextLength)
    }

    /// Seals the frame at `message` (after room for the nonce) and records the blob.
    private func seal(_ message: UnsafeMutableRawBufferPointer, id: Digest256, frameLength: Int, plaintextLength: Int) throws -> PackEntry {
        let sealedLength = try PackLayout.withBlobAssociatedData(type: type, id: id) { aad in
            try cipher.sealInPlace(message, plaintextCount: frameLength, nonce: .random(), authenticating: aad)
        }
        let entry = PackEntry(type: type, id: id, offset: size, length: sealedLength, plaintextLength: plaintextLength)
        entries.append(entry)
        used += sealedLength
        return entry
    }

    /// Appends the sealed header and trailer and hands over the finished pack. The writer
    /// must not be used afterwards.
    func finish() throws -> FinishedPack {
        let header = PackReader.encodeHeader(entries)
        let sealedHeader = cipher.seal(header, nonce: .random(), aad: PackLayout.headerAssociatedData)
        try reserve(sealedHeader.count + PackLayout.trailerByteCount)
        UnsafeMutableRawBufferPointer(rebasing: buffer[used..<used + sealedHeader.count]).copyBytes(from: sealedHeader)
        used += sealedHeader.count
        withUnsafeBytes(of: UInt32(sealedHeader.count).littleEndian) {
            UnsafeMutableRawBufferPointer(rebasing: buffer[used..<used + 4]).copyMemory(from: $0)
        }
        used += PackLayout.trailerByteCount
        if let stream, let hasher {
            try flush()
            finished = true  // the stream now belongs to the pack
            PackBufferPool.release(buffer, to: pool, grown: grown)
            return FinishedPack(id: hasher.finalize(), type: type, salt: salt, generation: generation, entries: entries, size: size, storage: .stream(stream))
        }
        finished = true  // the buffer now belongs to the pack, which gives it back to the pool
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<used])
        return FinishedPack(id: SHA256.hash(bytes), type: type, salt: salt, generation: generation, entries: entries, size: size,
                            storage: .buffer(buffer, pool: pool, grown: grown))
    }

    /// Makes room for `extra` more bytes: writes the buffer out to the stream if there is
    /// one, and grows the buffer if that is not enough.
    private func reserve(_ extra: Int) throws {
        guard used + extra > buffer.count else { return }
        if stream != nil && used > 0 {
            try flush()
            guard extra > buffer.count else { return }
        }
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(buffer.count * 2, used + extra), alignment: 4096)
        larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[..<used]))
        if grown { buffer.deallocate() } else { pool.give(buffer, replacedOriginal: true) }
        buffer = larger
        grown = true
    }

    /// Appends the buffered bytes to the stream and the pack's hash, and empties the buffer.
    private func flush() throws {
        guard let stream, let hasher, used > 0 else { return }
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<used])
        hasher.update(bytes)
        try stream.append(bytes)
        written += used
        used = 0
    }
}

/// A complete pack, ready to store: its id (SHA-256 of its bytes), what the index must learn
/// of it, and its bytes: in a buffer, given back to the pool when the pack is released, or
/// already in a stream that storing commits.
final class FinishedPack: @unchecked Sendable {
    enum Storage {
        case buffer(UnsafeMutableRawBufferPointer, pool: PackBufferPool, grown: Bool)
        case stream(ObjectStream)
    }

    let id: Digest256
    let type: BlobType
    let salt: [UInt8]
    let generation: UInt32
    let entries: [PackEntry]
    let size: Int
    private let storage: Storage

    init(id: Digest256, type: BlobType, salt: [UInt8], generation: UInt32, entries: [PackEntry], size: Int, storage: Storage) {
        self.id = id
        self.type = type
        self.salt = salt
        self.generation = generation
        self.entries = entries
        self.size = size
        self.storage = storage
    }

    deinit {
        switch storage {
        case .buffer(let buffer, let pool, let grown): PackBufferPool.release(buffer, to: pool, grown: grown)
        case .stream(let stream): stream.discard()
        }
    }

    var name: ObjectName { ObjectName(type.packKind, id.hex) }

    /// What the index records of the pack.
    var indexed: IndexedPack { IndexedPack(id: id, type: type, salt: salt, generation: generation, size: size, entries: entries) }

    /// The pack's bytes, when it was built in memory (tests, and backends without streams).
    var bytes: UnsafeRawBufferPointer? {
        guard case .buffer(let buffer, _, _) = storage else { return nil }
        return UnsafeRawBufferPointer(rebasing: buffer[..<size])
    }

    /// Stores the pack in `backend`: writes the buffer, or commits the stream.
    func store(in backend: Backend) throws(BackendError) {
        switch storage {
        case .buffer(let buffer, _, _): try backend.write(name, UnsafeRawBufferPointer(rebasing: buffer[..<size]))
        case .stream(let stream): try stream.commit(as: name)
        }
    }
}
