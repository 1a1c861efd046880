import Codec
import Crypto
import Storage

/// Copies the live blobs of old packs into new ones. Each blob is authenticated, decoded and
/// checked against its id (damage is never copied), then its compressed frame is sealed
/// again under the new pack's key: nothing is compressed twice. It runs on the calling
/// thread with one pack buffer per blob type, so its memory is two packs (two blobs where
/// packs stream); new packs are indexed (in objects as a snapshot writes them) as they are
/// stored.
final class Repacker {
    private let reader: PackBlobReader
    private let uploader: BlobUploader
    private var packs: OpenPacks

    init(repository: Repository) {
        reader = PackBlobReader(store: repository.blobs)
        uploader = BlobUploader(repository: repository, writers: 1, uploads: .inline, addingToMemory: false)
        packs = OpenPacks(uploader: uploader, compressor: BlobCompressor())
    }

    /// Bytes of the packs written.
    var bytesWritten: Int { uploader.bytesStored }

    /// Copies the blobs `entries` of `pack`, read from the first to the last in one request.
    func copy(_ entries: [PackEntry], of pack: BlobIndex.Pack) throws {
        let name = pack.id.hex
        let sorted = entries.sorted { $0.offset < $1.offset }
        try reader.load(sorted, fromPack: pack.id, type: pack.type, spans: .oneRequest, unreadable: { _, error in
            if case BackendError.truncated = error { throw PruneError.damagedPack(name, "shorter than the index says") }
            throw error
        }) { index, result in
            let blob = try result.mapError { PruneError.damagedPack(name, "\($0)") }.get()
            try packs.add(pack.type, id: sorted[index].id, frame: blob.frame, plaintextLength: blob.plaintext.count)
        }
    }

    /// Stores the open packs and indexes every pack not yet indexed.
    func finish() throws {
        try packs.close()
        try uploader.finish()
    }
}
