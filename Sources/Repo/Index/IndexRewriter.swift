import Crypto
import Storage

/// Takes packs out of the index: every index object that lists one is replaced by new ones
/// made of its other records, copied as they are. Prune and `repair packs` use it.
///
/// Crash-safe by its order: each old object is deleted only once everything it kept is
/// written again, so at any instant every record that stays is in some index object (at
/// worst in two, which the index tolerates).
struct IndexRewriter {
    let repository: Repository

    /// What a rewrite did.
    struct Outcome {
        var written = 0
        var removed = 0
    }

    /// The index objects among `objects` that list any of `packs`.
    func objects(_ objects: [ObjectName], listing packs: Set<Digest256>) throws -> [ObjectName] {
        try objects.filter { object in
            let plaintext = try repository.indexPlaintext(object)
            return try IndexObject.records(plaintext, name: "index \(object.id.prefix(8))").contains { packs.contains($0.pack) }
        }
    }

    /// Replaces each of `affected` by its records of packs not `leaving`.
    func rewrite(_ affected: [ObjectName], leaving: Set<Digest256>) throws -> Outcome {
        var outcome = Outcome()
        var batch: [ArraySlice<UInt8>] = []
        var batchBytes = 0
        var replaced: [ObjectName] = []
        func flush() throws {
            try repository.saveIndex(records: batch)
            if !batch.isEmpty { outcome.written += 1 }
            for object in replaced { try deleteIfPresent(object) }
            outcome.removed += replaced.count
            (batch, batchBytes, replaced) = ([], 0, [])
        }
        for object in affected {
            let plaintext = try repository.indexPlaintext(object)
            for record in try IndexObject.records(plaintext, name: "index \(object.id.prefix(8))") where !leaving.contains(record.pack) {
                batch.append(plaintext[record.bytes])
                batchBytes += record.bytes.count
            }
            replaced.append(object)
            // As large as the objects a snapshot writes, no larger.
            if batch.count >= IndexBatch.packsPerIndex || batchBytes >= IndexBatch.recordBytesPerIndex { try flush() }
        }
        try flush()
        return outcome
    }

    /// Deletes `name`, which an earlier, interrupted run may have deleted already.
    func deleteIfPresent(_ name: ObjectName) throws {
        do {
            try repository.backend.delete(name)
        } catch BackendError.notFound {
            // Gone already: what the interrupted run was about to do is done.
        }
    }
}
