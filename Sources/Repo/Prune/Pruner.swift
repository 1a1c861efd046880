import Crypto
import Foundation
import Storage

/// Removes what no snapshot refers to (docs/design.md, "Prune").
///
/// Order of writes, each step leaving a repository that checks clean:
/// 1. live blobs of packs to repack are copied into new packs, which are indexed;
/// 2. every pack about to leave the index is written to a condemned list, with its index
///    record (so its blobs stay readable, and it can be put back);
/// 3. index objects that list leaving packs are replaced: the new ones written first;
/// 4. condemned packs are deleted — now when no other process may be running, else by a
///    later prune once the grace period has passed;
/// 5. the condemned lists are rewritten to what is still waiting;
/// 6. what writes cut short left in storage (not objects) is removed once a day old.
/// A prune killed anywhere leaves extra packs, extra index entries or stale condemned
/// entries, all of which the next prune resolves.
public struct Pruner {
    let repository: Repository
    let options: PruneOptions

    public init(repository: Repository, options: PruneOptions) {
        self.repository = repository
        self.options = options
    }

    /// Runs under `lock`, the exclusive lock the caller holds; prune asks it which other
    /// locks may belong to running processes.
    public func run(lock: RepositoryLock, progress: ((String) -> Void)? = nil) throws -> PruneReport {
        let report = try prune(lock: lock, progress: progress)
        // The in-memory index now lags the repository; reloaded once prune's own copy is gone.
        if !options.dryRun { try repository.loadIndex() }
        return report
    }

    private func prune(lock: RepositoryLock, progress: ((String) -> Void)?) throws -> PruneReport {
        var report = PruneReport()
        report.dryRun = options.dryRun
        let backend = repository.backend
        let now = Date()

        progress?("listing packs")
        var stored: [Digest256: ObjectInfo] = [:]
        for kind in [ObjectKind.dataPack, .treePack] {
            for info in try backend.list(kind) {
                if let id = Digest256(hex: info.name.id) { stored[id] = info }
            }
        }
        report.packs = stored.count
        report.storedBytes = stored.values.reduce(0) { $0 + $1.size }
        let indexObjects = try backend.list(.index).map(\.name)
        try repository.loadIndex()
        let index = repository.withIndex { $0 }
        let condemnedLists = try repository.condemnedLists()
        report.blobs = index.count

        let snapshots = try repository.snapshots().filter { !options.assumeForgotten.contains($0.id) }
        report.snapshots = snapshots.count
        var scan = ReferenceScan(repository: repository, index: index)
        try scan.scan(snapshots) { progress?("reading the trees of snapshot \($0 + 1) of \($1)") }
        if let first = scan.firstMissing {
            throw PruneError.missingBlobs(count: scan.missingCount, snapshot: first.snapshot, blob: first.blob)
        }
        // A condemned pack that a snapshot refers to must still be there to be put back.
        if let gone = scan.referencedCondemnedPacks.first(where: { stored[$0] == nil }) { throw PruneError.missingPack(gone.hex) }
        let plan = try PrunePlan(index: index, live: scan.live, storedSizes: stored.mapValues(\.size), options: options)
        tally(plan, index: index, into: &report)

        // Earlier condemnations: gone already, back in the index, referenced again, or waiting.
        var earlier: [Digest256: CondemnedPack] = [:]
        for (_, packs) in condemnedLists {
            for condemned in packs where earlier[condemned.pack.id].map({ condemned.condemnedAt < $0.condemnedAt }) ?? true {
                earlier[condemned.pack.id] = condemned
            }
        }
        var restored: [IndexedPack] = []
        var due: [CondemnedPack] = [], waiting: [CondemnedPack] = []
        for condemned in earlier.values where stored[condemned.pack.id] != nil && index.pack(condemned.pack.id) == nil {
            if scan.referencedCondemnedPacks.contains(condemned.pack.id) {
                restored.append(condemned.pack)
            } else if now.timeIntervalSince1970 - Double(condemned.condemnedAt) >= options.grace {
                due.append(condemned)
            } else {
                waiting.append(condemned)
            }
        }
        report.restoredPacks = restored.count

        // Packs no index lists (interrupted snapshots or prunes) go the way of unused ones.
        var unindexed: [IndexedPack] = []
        let reader = PackReader(keys: repository.keys)
        for (id, info) in stored where index.pack(id) == nil && earlier[id] == nil {
            do {
                unindexed.append(try reader.indexRecord(of: info, backend: backend))
            } catch {
                report.damagedPacks.append("\(error)")
            }
        }
        report.unindexedPacks = unindexed.count
        report.unindexedBytes = unindexed.reduce(0) { $0 + $1.size }

        // Deleting at once is safe only when no other process can be in the middle of a
        // snapshot that loaded the index before this prune (docs/design.md).
        let others = try lock.othersPossiblyLive()
        let deleteNow = others.isEmpty
        report.deferredBecause = others
        let leaving = plan.unused.union(plan.repack).map { index.packs[$0] }
        let newlyCondemned = leaving.map { ($0.id, $0.type, $0.size) } + unindexed.map { ($0.id, $0.type, $0.size) }
        var deletions = due.map { ($0.pack.id, $0.pack.type, $0.pack.size) }
        if deleteNow {
            deletions += waiting.map { ($0.pack.id, $0.pack.type, $0.pack.size) } + newlyCondemned
        } else {
            report.condemnedPacks = waiting.count + newlyCondemned.count
            report.condemnedBytes = waiting.reduce(0) { $0 + $1.pack.size } + newlyCondemned.reduce(0) { $0 + $1.2 }
        }
        if options.dryRun {
            // Repacking writes about the live share of what it reads.
            report.rewrittenBytes = plan.repack.reduce(0) { $0 + plan.usage[$1].liveBytes }
            report.deletedPacks = deletions.count
            report.deletedBytes = deletions.reduce(0) { $0 + $1.2 }
            return report
        }

        // 1. Repack.
        if !plan.repack.isEmpty {
            progress?("repacking \(plan.repack.count) packs")
            report.rewrittenBytes = try repack(plan.repack, index: index, live: scan.live, leaving: plan.leaving)
        }

        // 2. Condemn what leaves the index, with the index records that describe it.
        progress?("rewriting the index")
        var thisRun = CondemnedWriter(repository: repository, time: Int64(now.timeIntervalSince1970))
        let leavingIDs = Set(plan.leaving.map { index.packs[$0].id })
        let goingIDs = Set(leaving.map(\.id))
        var recorded = Set<Digest256>()
        var affected: [ObjectName] = []
        for object in indexObjects {
            let plaintext = try repository.indexPlaintext(object)
            let records = try IndexObject.records(plaintext, name: "index \(object.id.prefix(8))")
            guard records.contains(where: { leavingIDs.contains($0.pack) }) else { continue }
            affected.append(object)
            for record in records where goingIDs.contains(record.pack) && recorded.insert(record.pack).inserted {
                try thisRun.add(record: plaintext[record.bytes])
            }
        }
        for pack in unindexed { try thisRun.add(pack) }
        try thisRun.flush()

        // 3. New index objects for what stays of the affected ones (and for restored packs),
        // made of the kept records as they are; each old object is deleted only once all it
        // kept is written again.
        try repository.saveIndex(restored, addingToMemory: false)
        report.indexObjectsWritten += restored.isEmpty ? 0 : 1
        var batch: [ArraySlice<UInt8>] = []
        var batchBytes = 0
        var replaced: [ObjectName] = []
        func flush() throws {
            try repository.saveIndex(records: batch)
            if !batch.isEmpty { report.indexObjectsWritten += 1 }
            for object in replaced { try deleteIfPresent(object) }
            report.indexObjectsRemoved += replaced.count
            (batch, batchBytes, replaced) = ([], 0, [])
        }
        for object in affected {
            let plaintext = try repository.indexPlaintext(object)
            for record in try IndexObject.records(plaintext, name: "index \(object.id.prefix(8))") where !leavingIDs.contains(record.pack) {
                batch.append(plaintext[record.bytes])
                batchBytes += record.bytes.count
            }
            replaced.append(object)
            // As large as the objects a snapshot writes (BlobSink), no larger.
            if batch.count >= BlobSink.packsPerIndex || batchBytes >= BlobSink.blobsPerIndex * 40 { try flush() }
        }
        try flush()

        // 4. Delete.
        progress?("deleting \(deletions.count) packs")
        for (id, type, size) in deletions {
            try deleteIfPresent(ObjectName(type.packKind, id.hex))
            report.deletedPacks += 1
            report.deletedBytes += size
        }

        // 5. What still waits goes into fresh lists; the old lists go.
        var carried = CondemnedWriter(repository: repository, time: Int64(now.timeIntervalSince1970))
        if !deleteNow { for condemned in waiting { try carried.add(condemned) } }
        try carried.flush()
        for (name, _) in condemnedLists { try deleteIfPresent(name) }
        if deleteNow { for name in thisRun.written { try deleteIfPresent(name) } }

        // 6. Only reclaims space, so a failure is reported, not thrown.
        if lock.isHeldExclusively {
            progress?("removing incomplete writes")
            do {
                report.incompleteWritesRemoved = try backend.removeIncompleteWrites(olderThan: PruneOptions.incompleteWriteAge)
            } catch {
                report.incompleteWritesFailure = "\(error)"
            }
        }
        return report
    }

    private func tally(_ plan: PrunePlan, index: BlobIndex, into report: inout PruneReport) {
        for use in plan.usage {
            report.liveBlobs += use.liveBlobs
            report.liveBytes += use.liveBytes
        }
        for number in plan.unused {
            report.unusedPacks += 1
            report.unusedBytes += index.packs[number].size
        }
        for number in plan.repack {
            report.repackedPacks += 1
            report.repackedBytes += index.packs[number].size
            report.repackedBlobs += plan.usage[number].liveBlobs
        }
        report.missingPacks = plan.missing.count
    }

    private func deleteIfPresent(_ name: ObjectName) throws {
        do {
            try repository.backend.delete(name)
        } catch BackendError.notFound {
            // Deleted by an earlier, interrupted prune.
        }
    }

    /// Copies the live blobs of `packs` into new packs; returns the bytes of the packs written.
    private func repack(_ packs: Set<Int>, index: BlobIndex, live: LivenessMap, leaving: Set<Int>) throws -> Int {
        // A live blob that a pack which stays holds a copy of needs no new one.
        let keptElsewhere = Set(index.duplicates.lazy.filter { !leaving.contains(Int($0.pack)) }.map(\.id))
        // The live blobs of each pack to repack, as positions in the index (4 bytes each).
        var positions: [Int: [UInt32]] = [:]
        index.withSortedEntries { all in
            for (position, entry) in all.enumerated()
            where live.contains(position) && packs.contains(Int(entry.pack)) && !keptElsewhere.contains(entry.id) {
                positions[Int(entry.pack), default: []].append(UInt32(position))
            }
        }
        let repacker = Repacker(repository: repository)
        for number in packs.sorted() {
            let pack = index.packs[number]
            let entries = index.withSortedEntries { all in
                (positions.removeValue(forKey: number) ?? []).map { position in
                    let entry = all[Int(position)]
                    return PackEntry(type: pack.type, id: entry.id, offset: Int(entry.offset), length: Int(entry.length),
                                     plaintextLength: Int(entry.plaintextLength))
                }
            }
            try repacker.copy(entries, of: pack, bytes: try repository.backend.read(ObjectName(pack.type.packKind, pack.id.hex)))
        }
        try repacker.finish()
        return repacker.bytesWritten
    }
}
