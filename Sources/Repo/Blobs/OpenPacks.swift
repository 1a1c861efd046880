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

    /// Compresses `plaintext`, the plaintexts of data blobs `members` back to back, into one
    /// segment (docs/format.md, "Segments"); a single member, or members that do not
    /// compress, are added each alone. Returns the members' entries.
    @discardableResult
    mutating func addSegment(_ members: [(id: Digest256, length: Int)], plaintext: UnsafeRawBufferPointer) throws -> [PackEntry] {
        if members.count >= 2, let entries = try add(.data, { try $0.addSegment(members: members, plaintext: plaintext) }) {
            return entries
        }
        var start = 0
        return try members.map { member in
            defer { start += member.length }
            return try add(.data, id: member.id, plaintext: UnsafeRawBufferPointer(rebasing: plaintext[start..<start + member.length]))
        }
    }

    private mutating func add<Added>(_ type: BlobType, _ adding: (PackWriter) throws -> Added) throws -> Added {
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
