import Codec
import Crypto

/// Copies the live blobs of old packs into new ones. Each blob is authenticated, decoded and
/// checked against its id (damage is never copied), then its compressed frame is sealed
/// again under the new pack's key: nothing is compressed twice. It runs on the calling
/// thread with one pack buffer per blob type, so its memory is two packs (two blobs where
/// packs stream); new packs are indexed (in objects as a snapshot writes them) as they are
/// stored.
final class Repacker {
    private let repository: Repository
    private let hasher: HMACSHA256Hasher
    private let compressor = BlobCompressor()
    private var writers: [BlobType: PackWriter] = [:]
    private var pools: [BlobType: PackBufferPool] = [:]
    private var unindexed: [IndexedPack] = []
    private var unindexedBlobs = 0
    private(set) var bytesWritten = 0

    init(repository: Repository) {
        self.repository = repository
        hasher = HMACSHA256Hasher(key: repository.keys.blobIDKey)
    }

    /// Copies the blobs `entries` of `pack` (its whole bytes).
    func copy(_ entries: [PackEntry], of pack: BlobIndex.Pack, bytes: [UInt8]) throws {
        let name = pack.id.hex
        let opener = try BlobOpener(keys: repository.keys, salt: pack.salt)
        for entry in entries.sorted(by: { $0.offset < $1.offset }) {
            guard entry.offset + entry.length <= bytes.count else { throw PruneError.damagedPack(name, "shorter than the index says") }
            let writer = try writer(for: pack.type)
            do {
                try bytes.withUnsafeBytes { raw in
                    let sealed = UnsafeRawBufferPointer(rebasing: raw[entry.offset..<entry.offset + entry.length])
                    try opener.withFrame(sealed, entry: entry, pack: name) { frame, plaintext in
                        hasher.update(plaintext)
                        guard hasher.finalize() == entry.id else {
                            throw PruneError.damagedPack(name, "blob \(entry.id.hex) does not hash to its id")
                        }
                        try writer.add(id: entry.id, frame: frame, plaintextLength: entry.plaintextLength)
                    }
                }
            } catch let error as PruneError {
                throw error
            } catch {
                throw PruneError.damagedPack(name, "\(error)")
            }
            if writer.isFull { try store(pack.type) }
        }
    }

    /// Stores the open packs and indexes every pack not yet indexed.
    func finish() throws {
        for type in Array(writers.keys) { try store(type) }
        try saveIndex()
    }

    private func writer(for type: BlobType) throws -> PackWriter {
        if let writer = writers[type] { return writer }
        let target = type == .data ? repository.parameters.packTargetSize : min(repository.parameters.packTargetSize, 4 << 20)
        // A backend that streams takes the pack as it fills: the buffer holds one blob.
        let streams = repository.backend.streamsObjects
        let pool = pools[type] ?? PackBufferPool(bufferSize: (streams ? 0 : target) + (4 << 20) + (1 << 16), count: 1)
        pools[type] = pool
        let writer = try PackWriter(type: type, keys: repository.keys, compressor: compressor, targetSize: target, pool: pool,
                                    stream: repository.backend.makeStream(type.packKind))
        writers[type] = writer
        return writer
    }

    private func store(_ type: BlobType) throws {
        guard let writer = writers.removeValue(forKey: type), !writer.isEmpty else { return }
        let pack = try writer.finish()
        try pack.store(in: repository.backend)
        bytesWritten += pack.size
        unindexed.append(IndexedPack(id: pack.id, type: pack.type, salt: pack.salt, size: pack.size, entries: pack.entries))
        unindexedBlobs += pack.entries.count
        if unindexed.count >= BlobSink.packsPerIndex || unindexedBlobs >= BlobSink.blobsPerIndex { try saveIndex() }
    }

    private func saveIndex() throws {
        try repository.saveIndex(unindexed, addingToMemory: false)
        (unindexed, unindexedBlobs) = ([], 0)
    }
}
