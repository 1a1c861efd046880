import Crypto
import Storage
import Workers

/// Indexes the packs that an interrupted snapshot (killed, failed, cut off) stored but did
/// not get to list in an index object, so that the next snapshot deduplicates against them
/// instead of uploading their data again (docs/design.md, "Resuming an interrupted upload").
///
/// A pack is adopted when it is stored, in no index, not condemned by a prune, its own
/// header opens (AES-GCM under the pack's key: only a holder of the keys wrote it) and
/// lists blobs that fill the pack exactly up to the header (`PackReader.header`), and none
/// of its blobs is indexed already. The last rule keeps out what is not an interrupted
/// upload: a pack `repair packs` took out of the index but had not deleted yet (its intact
/// blobs are indexed in their salvaged copies), and a pack whose data a later snapshot
/// stored again anyway (adopting it would only add a copy). The blobs themselves are not
/// read: each is authenticated whenever it is read, and `check --read-data` reads them all.
///
/// Costs one ranged read of the preamble and one of the header per pack in no index (the
/// listing is the snapshot's own, shared with `forgetMissingPacks`).
struct UnindexedPackAdopter {
    let repository: Repository
    let cancellation: Cancellation

    /// Adopts what qualifies among the `stored` packs, writes index objects for them (added
    /// to the in-memory index) and says what it did.
    func adopt(stored: [Digest256: (kind: ObjectKind, size: Int)]) throws -> AdoptedPacks {
        let candidates = stored.filter { !repository.isListed(pack: $0.key) }
            .map { ObjectInfo(name: ObjectName($0.value.kind, $0.key.hex), size: $0.value.size) }
            .sorted { $0.name.id < $1.name.id }
        var result = AdoptedPacks()
        guard !candidates.isEmpty else { return result }
        // Two small reads a pack: on an object store, several at once hide the latency.
        let threads = max(1, min(8, repository.backend.preferredConcurrency))
        let blobs = repository.blobs
        let records = try WorkerPool(threads: threads, cancellation: cancellation).map(candidates.count) { number -> IndexedPack? in
            try? blobs.indexRecord(of: candidates[number])
        }
        var adoptedBlobs = Set<Digest256>()
        var batch = IndexBatch()
        for record in records {
            guard let record, !record.entries.isEmpty,
                  record.entries.allSatisfy({ !repository.contains($0.id) && !adoptedBlobs.contains($0.id) }) else {
                result.skipped += 1
                continue
            }
            adoptedBlobs.formUnion(record.entries.map(\.id))
            result.packs += 1
            result.blobs += record.entries.count
            result.bytes += UInt64(record.size)
            if let full = batch.add(record) { try repository.saveIndex(full) }
        }
        try repository.saveIndex(batch.drain())
        return result
    }
}
