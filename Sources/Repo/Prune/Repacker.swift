import Codec
import Crypto
import Storage

/// Copies the live blobs of old packs into new ones (prune), or what still reads of damaged
/// ones (`repair packs`). Each blob is authenticated, decoded and
/// checked against its id (damage is never copied), then its compressed frame is sealed
/// again under the new pack's key: nothing is compressed twice, except the live members of a
/// segment, which are compressed again together into a new segment (dead members dropped).
/// It runs on the calling
/// thread with one pack buffer per blob type, so its memory is two packs (two blobs where
/// packs stream); new packs are indexed (in objects as a snapshot writes them) as they are
/// stored.
final class Repacker {
    private let reader: PackBlobReader
    private let uploader: BlobUploader
    private var packs: OpenPacks
    private let preferredReadSize: Int
    /// The live members of the segment being copied (its offset in the old pack), which
    /// become one new segment.
    private var segment: (offset: Int, members: [(id: Digest256, length: Int)], plaintext: [UInt8])?

    init(repository: Repository) {
        reader = PackBlobReader(store: repository.blobs)
        preferredReadSize = repository.backend.preferredReadSize
        uploader = BlobUploader(repository: repository, writers: 1, uploads: .inline, addingToMemory: false)
        // Only segments are compressed again: with the repository's own codec and level.
        let policy = (try? repository.parameters.compressionPolicy()) ?? .default
        packs = OpenPacks(uploader: uploader, compressor: BlobCompressor(policy: policy))
    }

    /// Adds one verified blob of `type`: its frame sealed again, or a member of a segment to
    /// the new segment of its old segment's live members.
    private func add(_ entry: PackEntry, _ blob: PackBlobReader.Blob, type: BlobType) throws {
        guard blob.frame == nil else {
            try flushSegment()
            try packs.add(type, id: entry.id, frame: blob.frame!, plaintextLength: blob.plaintext.count)
            return
        }
        if segment?.offset != entry.offset {
            try flushSegment()
            segment = (entry.offset, [], [])
        }
        segment!.members.append((entry.id, blob.plaintext.count))
        segment!.plaintext.append(contentsOf: blob.plaintext)
    }

    /// Writes the live members gathered of one old segment as a new segment (one alone).
    private func flushSegment() throws {
        guard let gathered = segment else { return }
        segment = nil
        try gathered.plaintext.withUnsafeBytes { try packs.addSegment(gathered.members, plaintext: $0) }
    }

    /// Bytes of the packs written.
    var bytesWritten: Int { uploader.bytesStored }

    /// Copies the blobs `entries` of `pack`, read from the first to the last in one request.
    func copy(_ entries: [PackEntry], of pack: BlobIndex.Pack) throws {
        let name = pack.id.hex
        let sorted = entries.sorted(by: PackEntry.packOrder)
        try reader.load(sorted, fromPack: pack.id, type: pack.type, spans: .oneRequest, unreadable: { _, error in
            if case BackendError.truncated = error { throw PruneError.damagedPack(name, "shorter than the index says") }
            throw error
        }) { index, result in
            let blob = try result.mapError { PruneError.damagedPack(name, "\($0)") }.get()
            try add(sorted[index], blob, type: pack.type)
        }
        try flushSegment()
    }

    /// Copies every blob of `entries` (of `pack`, which need not be indexed: its salt and
    /// key generation are taken from `pack`) that still reads and verifies, and returns
    /// those that do not: damaged, or in a part of the pack that is gone. `copying` false (a
    /// dry run) only reads and verifies. What the backend fails to do for another reason
    /// than damage is thrown.
    func salvage(_ entries: [PackEntry], of pack: BlobIndex.Pack, copying: Bool = true) throws -> [PackEntry] {
        guard !entries.isEmpty else { return [] }
        let sorted = entries.sorted(by: PackEntry.packOrder)
        var lost: [PackEntry] = []
        let unread = try salvage(sorted, of: pack, spans: PackSpans(preferredReadSize: preferredReadSize), copying: copying, lost: &lost)
        // A span that could not be read whole (a pack cut short): each of its blobs alone.
        for entry in unread {
            var alone: [PackEntry] = []
            let stillUnread = try salvage([entry], of: pack, spans: .oneRequest, copying: copying, lost: &alone)
            lost += alone + stillUnread
        }
        return lost
    }

    /// Reads `entries` in `spans`, copies those that verify, adds those that do not to
    /// `lost`; returns the entries of the spans that could not be read.
    private func salvage(_ entries: [PackEntry], of pack: BlobIndex.Pack, spans: PackSpans, copying: Bool,
                         lost: inout [PackEntry]) throws -> [PackEntry] {
        var unread: [PackEntry] = []
        var damaged: [PackEntry] = []
        try reader.load(entries, fromPack: pack.id, type: pack.type, preamble: PackPreamble(generation: pack.generation, salt: pack.salt),
                        spans: spans, unreadable: { span, error in
            guard RepositoryDamage.isDamage(error) else { throw error }
            unread += entries[span]
        }) { index, result in
            switch result {
            case .success(let blob):
                if copying { try add(entries[index], blob, type: pack.type) }
            case .failure:
                damaged.append(entries[index])
            }
        }
        try flushSegment()
        lost += damaged
        return unread
    }

    /// Stores the open packs and indexes every pack not yet indexed.
    func finish() throws {
        try packs.close()
        try uploader.finish()
    }
}
