import Codec
import Crypto

/// Builds one pack: each blob is compressed straight into the pack's buffer and sealed
/// there in place, so a blob's bytes are written once, by the compressor.
///
/// Not thread-safe: a pipeline worker owns its writers.
final class PackWriter {
    let type: BlobType
    let targetSize: Int
    private let salt: [UInt8]
    private let cipher: AES256GCM
    private let compressor: BlobCompressor
    private var buffer: UnsafeMutableRawBufferPointer
    private(set) var size: Int
    private(set) var entries: [PackEntry] = []

    private let pool: PackBufferPool
    /// The pool's buffer was replaced by a larger one (see `reserve`).
    private var grown = false

    /// Starts a pack in a buffer from `pool` (waiting for one if all are in use). Packs end
    /// once they pass `targetSize`, so the pool's buffers must hold the target plus one
    /// blob; a larger blob makes the writer grow its buffer.
    init(type: BlobType, keys: RepositoryKeys, compressor: BlobCompressor, targetSize: Int, pool: PackBufferPool) throws {
        self.type = type
        self.targetSize = targetSize
        self.compressor = compressor
        self.pool = pool
        salt = SecureRandom.bytes(count: PackLayout.saltByteCount)
        cipher = try AES256GCM(key: keys.packKey(salt: salt))
        let buffer = pool.take()
        buffer.copyBytes(from: PackLayout.magic + [PackLayout.version] + salt)
        self.buffer = buffer
        size = PackLayout.preambleByteCount
    }

    /// A writer dropped unfinished (a failed snapshot) gives its buffer back.
    deinit { if !finished { PackBufferPool.release(buffer, to: pool, grown: grown) } }

    private var finished = false

    var isEmpty: Bool { entries.isEmpty }
    /// A pack ends at its target size or at 65,536 blobs: with tiny blobs (small files) the
    /// header would otherwise outgrow the buffer's headroom and the index objects their size.
    static let maximumBlobCount = 65_536

    var isFull: Bool { size >= targetSize || entries.count >= Self.maximumBlobCount }

    /// Compresses, seals and appends one blob; returns its entry.
    @discardableResult
    func add(id: Digest256, plaintext: UnsafeRawBufferPointer) throws -> PackEntry {
        let frameCapacity = BlobCompressor.maxEncodedSize(forInput: plaintext.count)
        reserve(frameCapacity + AES256GCM.overhead)
        let message = UnsafeMutableRawBufferPointer(rebasing: buffer[size..<size + frameCapacity + AES256GCM.overhead])
        let frameLength = compressor.encode(plaintext, into: UnsafeMutableRawBufferPointer(
            rebasing: message[AES256GCM.nonceByteCount..<AES256GCM.nonceByteCount + frameCapacity]))
        return try seal(message, id: id, frameLength: frameLength, plaintextLength: plaintext.count)
    }

    /// Seals and appends a blob already encoded as a frame (prune copying a blob from an
    /// old pack: the frame is kept, only the encryption is new).
    @discardableResult
    func add(id: Digest256, frame: UnsafeRawBufferPointer, plaintextLength: Int) throws -> PackEntry {
        reserve(frame.count + AES256GCM.overhead)
        let message = UnsafeMutableRawBufferPointer(rebasing: buffer[size..<size + frame.count + AES256GCM.overhead])
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
        size += sealedLength
        return entry
    }

    /// Appends the sealed header and trailer and hands over the finished pack. The writer
    /// must not be used afterwards.
    func finish() throws -> FinishedPack {
        var header = BinaryWriter(capacity: 16 + entries.count * 40)
        header.append(varint: entries.count)
        for entry in entries {
            header.append(entry.type.rawValue)
            header.append(entry.id)
            header.append(varint: entry.length)
            header.append(varint: entry.plaintextLength)
        }
        let sealedHeader = cipher.seal(header.bytes, nonce: .random(), aad: PackLayout.headerAssociatedData)
        reserve(sealedHeader.count + PackLayout.trailerByteCount)
        UnsafeMutableRawBufferPointer(rebasing: buffer[size..<size + sealedHeader.count]).copyBytes(from: sealedHeader)
        size += sealedHeader.count
        withUnsafeBytes(of: UInt32(sealedHeader.count).littleEndian) {
            UnsafeMutableRawBufferPointer(rebasing: buffer[size..<size + 4]).copyMemory(from: $0)
        }
        size += PackLayout.trailerByteCount
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<size])
        finished = true  // the buffer now belongs to the pack, which gives it back to the pool
        return FinishedPack(id: SHA256.hash(bytes), type: type, salt: salt, entries: entries, buffer: buffer, size: size,
                            pool: pool, grown: grown)
    }

    private func reserve(_ extra: Int) {
        guard size + extra > buffer.count else { return }
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(buffer.count * 2, size + extra), alignment: 4096)
        larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[..<size]))
        if grown { buffer.deallocate() } else { pool.give(buffer, replacedOriginal: true) }
        buffer = larger
        grown = true
    }
}

/// A complete pack, ready to store: its bytes, its id (SHA-256 of the bytes) and what the
/// index must learn of it. Owns its buffer until it is released, then returns it to the pool.
final class FinishedPack: @unchecked Sendable {
    let id: Digest256
    let type: BlobType
    let salt: [UInt8]
    let entries: [PackEntry]
    private let buffer: UnsafeMutableRawBufferPointer
    let size: Int
    private let pool: PackBufferPool
    private let grown: Bool

    init(id: Digest256, type: BlobType, salt: [UInt8], entries: [PackEntry], buffer: UnsafeMutableRawBufferPointer, size: Int,
         pool: PackBufferPool, grown: Bool) {
        self.id = id
        self.type = type
        self.salt = salt
        self.entries = entries
        self.buffer = buffer
        self.size = size
        self.pool = pool
        self.grown = grown
    }

    deinit { PackBufferPool.release(buffer, to: pool, grown: grown) }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[..<size]) }
    var name: ObjectName { ObjectName(type.packKind, id.hex) }
}
