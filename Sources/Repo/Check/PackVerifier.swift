import Crypto
import Foundation
import Storage
import Workers

/// What reading one pack found.
struct PackVerdict: Sendable {
    /// Damage: each names the pack (and the blob, where one is at fault).
    var problems: [String] = []
    var bytes: UInt64 = 0
    /// Whether the data was read (not only the header).
    var read = false
    /// The pack is archived (S3 GLACIER, DEEP_ARCHIVE) and not thawed: neither its header
    /// nor its data could be read. Not damage.
    var archived = false

    var isDamaged: Bool { !problems.isEmpty }
}

/// Compares packs with the index, the one way `check` and `repair packs` decide that a
/// pack is damaged: its header opens and lists what the index says, and (reading data) every
/// byte hashes to the pack's name and every blob authenticates, decodes and hashes to its id.
struct PackVerifier: Sendable {
    let repository: Repository
    /// How much of a pack a worker reads at once from a disk (tests make it small).
    var segmentSize = 4 << 20

    /// Every indexed blob's entry, by pack: what each pack must hold.
    func expectedEntries() -> [Digest256: [PackEntry]] {
        repository.withIndex { index in
            var byPack: [Digest256: [PackEntry]] = [:]
            index.forEach { id, location in
                byPack[location.pack, default: []].append(location.entry(id: id))
            }
            return byPack
        }
    }

    /// Verifies `packs` on all cores, a verdict each in their order. A raised `cancellation`
    /// stops it between packs: `Cancelled` is thrown with `stopped(done, total)` as its outcome.
    func verify(_ packs: [BlobIndex.Pack], readingData: Bool, cancellation: Cancellation,
                stopped: (Int, Int) -> String) throws -> [PackVerdict] {
        let expected = expectedEntries()
        let results = ResultSlots<PackVerdict>(count: packs.count)
        let pool = WorkerPool(threads: ProcessInfo.processInfo.activeProcessorCount, cancellation: cancellation)
        do {
            try pool.forEach(packs.count, makeWorker: { PackBlobReader(store: repository.blobs) }) { reader, index in
                let pack = packs[index]
                results.set(index, verify(pack, expected: expected[pack.id] ?? [], reading: readingData ? reader : nil))
            }
        } catch let stop as Cancelled {
            throw stop.saying(stopped(results.count, packs.count))
        }
        return results.values
    }

    /// `reader` is given when the data is read.
    func verify(_ pack: BlobIndex.Pack, expected: [PackEntry], reading reader: PackBlobReader?) -> PackVerdict {
        let name = ObjectName(pack.type.packKind, pack.id.hex)
        let label = "pack \(pack.id.hex)"
        var verdict = PackVerdict(read: reader != nil)
        let header: [PackEntry]
        do {
            // Only the preamble and the header: two small ranged reads.
            let stored = try repository.blobs.storedHeader(of: name, size: pack.size, label: label, guess: 16384)
            if stored.preamble.salt != pack.salt { verdict.problems.append("\(label): salt differs from the index") }
            if stored.preamble.generation != pack.generation {
                verdict.problems.append("\(label): key generation \(stored.preamble.generation) differs from the index's \(pack.generation)")
            }
            header = stored.entries
        } catch BackendError.archived {
            verdict.archived = true
            verdict.read = false
            return verdict
        } catch {
            verdict.problems.append("\(label): \(error)")
            return verdict
        }
        let indexedSet = Set(expected.map { "\($0.id.hex)@\($0.offset)+\($0.length)" })
        let headerSet = Set(header.map { "\($0.id.hex)@\($0.offset)+\($0.length)" })
        for entry in expected where !headerSet.contains("\(entry.id.hex)@\(entry.offset)+\(entry.length)") {
            verdict.problems.append("\(label): blob \(entry.id.hex) is in the index but not in the pack header")
        }
        if headerSet.count != header.count || indexedSet.count > headerSet.count {
            verdict.problems.append("\(label): header lists \(header.count) blobs, index \(expected.count)")
        }
        guard let reader else { return verdict }
        verdict.bytes = verifyData(of: pack, header: header, reader: reader, problems: &verdict.problems)
        return verdict
    }

    /// Reads the whole pack in segments of about `segmentSize` that end between blobs:
    /// hashes every byte against the pack's name, and opens and checks every blob. Returns
    /// the bytes read.
    private func verifyData(of pack: BlobIndex.Pack, header: [PackEntry], reader: PackBlobReader, problems: inout [String]) -> UInt64 {
        var read: UInt64 = 0
        let packHasher = SHA256Hasher()
        // An object store charges by the request: there, whole packs in one read.
        let segmentSize = max(self.segmentSize, 4 * repository.backend.preferredReadSize)
        do {
            try reader.load(header, fromPack: pack.id, type: pack.type,
                            spans: PackSpans(preferredReadSize: 0, gap: .max / 4, maximumSpan: segmentSize), wholePack: pack.size,
                            read: { bytes in
                                read += UInt64(bytes.count)
                                packHasher.update(bytes)
                            },
                            unreadable: { _, error in throw error }) { _, result in
                if case .failure(let error) = result { problems.append("\(error)") }
            }
            if packHasher.finalize() != pack.id {
                problems.insert("pack \(pack.id.hex): content does not match its name (SHA-256 differs): the pack is damaged", at: 0)
            }
        } catch {
            problems.append("pack \(pack.id.hex): \(error)")
        }
        return read
    }
}
