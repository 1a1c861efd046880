import Codec
import Crypto

/// One writer's open packs, one per blob type: blobs are compressed and sealed into them,
/// and each pack goes to the uploader once it is full. A snapshot worker and prune's
/// repacker each keep one.
///
/// Not thread-safe. Dropped without `close()` (a failure), its packs give their buffers
/// back and are never stored.
struct OpenPacks {
    private let uploader: BlobUploader
    private let compressor: BlobCompressor
    private var writers: [BlobType: PackWriter] = [:]

    init(uploader: BlobUploader, compressor: BlobCompressor) {
        self.uploader = uploader
        self.compressor = compressor
    }

    /// Compresses, seals and adds a blob; returns its entry.
    @discardableResult
    mutating func add(_ type: BlobType, id: Digest256, plaintext: UnsafeRawBufferPointer) throws -> PackEntry {
        try add(type) { try $0.add(id: id, plaintext: plaintext) }
    }

    /// Seals and adds a blob already compressed as `frame` (prune: nothing is compressed twice).
    @discardableResult
    mutating func add(_ type: BlobType, id: Digest256, frame: UnsafeRawBufferPointer, plaintextLength: Int) throws -> PackEntry {
        try add(type) { try $0.add(id: id, frame: frame, plaintextLength: plaintextLength) }
    }

    private mutating func add(_ type: BlobType, _ adding: (PackWriter) throws -> PackEntry) throws -> PackEntry {
        let writer = try writers[type] ?? uploader.makeWriter(type, compressor: compressor)
        let entry = try adding(writer)
        if writer.isFull {
            writers[type] = nil
            try uploader.submit(try writer.finish())
        } else {
            writers[type] = writer
        }
        return entry
    }

    /// Finishes the packs still open and hands them to the uploader.
    mutating func close() throws {
        let open = writers.values
        writers = [:]
        for writer in open where !writer.isEmpty { try uploader.submit(try writer.finish()) }
    }
}
