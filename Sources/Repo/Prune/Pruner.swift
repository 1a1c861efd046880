import Crypto
import Foundation
import Storage
import Workers

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
        let now = Date()

        progress?("listing packs")
        let inventory = try takeInventory(into: &report)
        let scan = try scanSnapshots(inventory, progress: progress, into: &report)
        let index = inventory.index
        let newest = repository.blobs.newestGeneration
        var plan = try PrunePlan(index: index, live: scan.live, storedSizes: inventory.stored.mapValues(\.size), options: options,
                                 newestGeneration: newest)
        try keepArchived(&plan, index: index, into: &report)
        tally(plan, index: index, into: &report)
        report.resealedPacks = plan.repack.count { index.packs[$0].generation < newest }
        let earlier = sortEarlierCondemnations(inventory, scan: scan, now: now)
        report.restoredPacks = earlier.restored.count
        let unindexed = readUnindexedPacks(inventory, earlier: earlier, into: &report)
        let deletions = try chooseDeletions(plan: plan, index: index, earlier: earlier, unindexed: unindexed, lock: lock,
                                            into: &report)
        if options.dryRun {
            // Repacking writes about the live share of what it reads.
            report.rewrittenBytes = plan.repack.reduce(0) { $0 + plan.usage[$1].liveBytes }
            report.deletedPacks = deletions.packs.count
            report.deletedBytes = deletions.packs.reduce(0) { $0 + $1.size }
            return report
        }

        try stopIfAsked("prune stopped before changing anything")
        // 1. Repack.
        if !plan.repack.isEmpty {
            progress?("repacking \(plan.repack.count) packs")
            report.rewrittenBytes = try repack(plan.repack, index: index, live: scan.live, leaving: plan.leaving)
            try stopIfAsked("prune stopped after repacking \(plan.repack.count) packs and before deleting anything; the next prune reclaims the space")
        }

        // 2. Condemn what leaves the index, with the index records that describe it.
        progress?("rewriting the index")
        let leavingIDs = Set(plan.leaving.map { index.packs[$0].id })
        let (thisRun, affected) = try condemn(deletions.leaving, unindexed: unindexed, leavingIDs: leavingIDs,
                                              inventory: inventory, now: now)

        // 3. New index objects for what stays of the affected ones (and for restored packs).
        try rewriteIndex(affected, leavingIDs: leavingIDs, restored: earlier.restored, into: &report)

        // 4. Delete.
        progress?("deleting \(deletions.packs.count) packs")
        try delete(deletions.packs, into: &report)

        // 5. What still waits goes into fresh lists; the old lists go.
        try rewriteCondemnedLists(waiting: deletions.now ? [] : earlier.waiting, old: inventory.condemnedLists,
                                  thisRun: deletions.now ? thisRun.written : [], now: now)

        // 6. Only reclaims space, so a failure is reported, not thrown.
        if lock.isHeldExclusively {
            progress?("removing incomplete writes")
            removeIncompleteWrites(into: &report)
        }
        return report
    }

    /// Packs to repack that are archived and not thawed stay as they are: repacking would
    /// read them. One HEAD per pack to repack, on stores with archive tiers only. Wholly
    /// unused archived packs are still deleted (a DELETE needs no thaw).
    private func keepArchived(_ plan: inout PrunePlan, index: BlobIndex, into report: inout PruneReport) throws {
        guard repository.backend.hasArchiveTiers, !plan.repack.isEmpty else { return }
        let numbers = Array(plan.repack)
        let found = try PackArchiveSurvey(backend: repository.backend, cancellation: options.cancellation)
            .survey(numbers.map { (index.packs[$0].id, index.packs[$0].type.packKind, index.packs[$0].size) })
        let frozen = Set(found.unreadable.map(\.pack))
        let kept = Set(numbers.filter { frozen.contains(index.packs[$0].id) })
        plan.keep(kept)
        report.archivedKeptPacks = kept.count
        report.archivedKeptBytes = kept.reduce(0) { $0 + index.packs[$1].size }
    }

    private func stopIfAsked(_ outcome: String) throws {
        do throws(Cancelled) { try options.cancellation.check() } catch { throw error.saying(outcome) }
    }

    // MARK: Reading what there is

    /// The packs in storage, the index and the condemned lists, as the prune starts.
    private struct Inventory {
        let stored: [Digest256: ObjectInfo]
        let indexObjects: [ObjectName]
        let index: BlobIndex
        let condemnedLists: [(ObjectName, [CondemnedPack])]
    }

    private func takeInventory(into report: inout PruneReport) throws -> Inventory {
        let backend = repository.backend
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
        return Inventory(stored: stored, indexObjects: indexObjects, index: index, condemnedLists: condemnedLists)
    }

    /// The blobs the snapshots (but those assumed forgotten) refer to; every one must exist.
    private func scanSnapshots(_ inventory: Inventory, progress: ((String) -> Void)?,
                               into report: inout PruneReport) throws -> ReferenceScan {
        // A snapshot that cannot be read still holds its blobs: prune must not run without it.
        let listing = try repository.snapshotListing()
        if let damaged = listing.damaged.first(where: { !options.assumeForgotten.contains($0.id) }) {
            throw PruneError.damagedSnapshot(damaged.id, "\(damaged.error)")
        }
        let snapshots = listing.snapshots.filter { !options.assumeForgotten.contains($0.id) }
        report.snapshots = snapshots.count
        var scan = ReferenceScan(repository: repository, index: inventory.index)
        try scan.scan(snapshots) { progress?("reading the trees of snapshot \($0 + 1) of \($1)") }
        // A WAL record that cannot be read still holds its blobs, as a snapshot does.
        let wal = try repository.walListing()
        if let damaged = wal.damaged.first { throw PruneError.damagedWALRecord(damaged.id, "\(damaged.error)") }
        scan.scan(wal.records)
        if let first = scan.firstMissing {
            throw PruneError.missingBlobs(count: scan.missingCount, snapshot: first.snapshot, blob: first.blob)
        }
        // A condemned pack that a snapshot refers to must still be there to be put back.
        if let gone = scan.referencedCondemnedPacks.first(where: { inventory.stored[$0] == nil }) {
            throw PruneError.missingPack(gone.hex)
        }
        return scan
    }

    /// Earlier condemnations: gone already, back in the index, referenced again, or waiting.
    private struct EarlierCondemnations {
        /// The earliest condemnation of each pack.
        var all: [Digest256: CondemnedPack] = [:]
        /// Referenced again: they go back into the index.
        var restored: [IndexedPack] = []
        /// Past the grace period.
        var due: [CondemnedPack] = []
        var waiting: [CondemnedPack] = []
    }

    private func sortEarlierCondemnations(_ inventory: Inventory, scan: ReferenceScan, now: Date) -> EarlierCondemnations {
        var earlier = EarlierCondemnations()
        for (_, packs) in inventory.condemnedLists {
            for condemned in packs where earlier.all[condemned.pack.id].map({ condemned.condemnedAt < $0.condemnedAt }) ?? true {
                earlier.all[condemned.pack.id] = condemned
            }
        }
        for condemned in earlier.all.values
        where inventory.stored[condemned.pack.id] != nil && inventory.index.pack(condemned.pack.id) == nil {
            if scan.referencedCondemnedPacks.contains(condemned.pack.id) {
                earlier.restored.append(condemned.pack)
            } else if now.timeIntervalSince1970 - Double(condemned.condemnedAt) >= options.grace {
                earlier.due.append(condemned)
            } else {
                earlier.waiting.append(condemned)
            }
        }
        return earlier
    }

    /// Packs no index lists (interrupted snapshots or prunes): they go the way of unused ones.
    private func readUnindexedPacks(_ inventory: Inventory, earlier: EarlierCondemnations,
                                    into report: inout PruneReport) -> [IndexedPack] {
        var unindexed: [IndexedPack] = []
        for (id, info) in inventory.stored where inventory.index.pack(id) == nil && earlier.all[id] == nil {
            do {
                unindexed.append(try repository.blobs.indexRecord(of: info))
            } catch {
                report.damagedPacks.append("\(error)")
            }
        }
        report.unindexedPacks = unindexed.count
        report.unindexedBytes = unindexed.reduce(0) { $0 + $1.size }
        return unindexed
    }

    // MARK: Deciding

    /// The packs this run deletes, and whether it may delete what it condemns now.
    private struct Deletions {
        typealias Pack = (id: Digest256, type: BlobType, size: Int)
        /// No other process may be running: what is condemned goes at once.
        let now: Bool
        /// Indexed packs that leave the index: unused, or repacked.
        let leaving: [BlobIndex.Pack]
        let packs: [Pack]
    }

    private func chooseDeletions(plan: PrunePlan, index: BlobIndex, earlier: EarlierCondemnations, unindexed: [IndexedPack],
                                 lock: RepositoryLock, into report: inout PruneReport) throws -> Deletions {
        // Deleting at once is safe only when no other process can be in the middle of a
        // snapshot that loaded the index before this prune (docs/design.md).
        let others = try lock.othersPossiblyLive()
        let deleteNow = others.isEmpty
        report.deferredBecause = others
        let leaving = plan.unused.union(plan.repack).map { index.packs[$0] }
        let newlyCondemned: [Deletions.Pack] = leaving.map { ($0.id, $0.type, $0.size) } + unindexed.map { ($0.id, $0.type, $0.size) }
        var deletions: [Deletions.Pack] = earlier.due.map { ($0.pack.id, $0.pack.type, $0.pack.size) }
        if deleteNow {
            deletions += earlier.waiting.map { ($0.pack.id, $0.pack.type, $0.pack.size) } + newlyCondemned
        } else {
            report.condemnedPacks = earlier.waiting.count + newlyCondemned.count
            report.condemnedBytes = earlier.waiting.reduce(0) { $0 + $1.pack.size } + newlyCondemned.reduce(0) { $0 + $1.2 }
        }
        return Deletions(now: deleteNow, leaving: leaving, packs: deletions)
    }

    // MARK: Writing

    /// Step 2: writes a condemned list of every pack about to leave the index, each with its
    /// index record (copied from the index objects that list it), and of the unindexed
    /// packs. Returns the writer (what it wrote) and the index objects that list a leaving pack.
    private func condemn(_ leaving: [BlobIndex.Pack], unindexed: [IndexedPack], leavingIDs: Set<Digest256>, inventory: Inventory,
                         now: Date) throws -> (CondemnedWriter, [ObjectName]) {
        var thisRun = CondemnedWriter(repository: repository, time: Int64(now.timeIntervalSince1970))
        let goingIDs = Set(leaving.map(\.id))
        var recorded = Set<Digest256>()
        var affected: [ObjectName] = []
        for object in inventory.indexObjects {
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
        return (thisRun, affected)
    }

    /// Step 3: new index objects for what stays of the `affected` ones (and for restored
    /// packs), made of the kept records as they are; each old object is deleted only once
    /// all it kept is written again.
    private func rewriteIndex(_ affected: [ObjectName], leavingIDs: Set<Digest256>, restored: [IndexedPack],
                              into report: inout PruneReport) throws {
        try repository.saveIndex(restored, addingToMemory: false)
        report.indexObjectsWritten += restored.isEmpty ? 0 : 1
        let outcome = try IndexRewriter(repository: repository).rewrite(affected, leaving: leavingIDs)
        report.indexObjectsWritten += outcome.written
        report.indexObjectsRemoved += outcome.removed
    }

    /// Step 4.
    private func delete(_ packs: [Deletions.Pack], into report: inout PruneReport) throws {
        for (id, type, size) in packs {
            try deleteIfPresent(ObjectName(type.packKind, id.hex))
            report.deletedPacks += 1
            report.deletedBytes += size
        }
    }

    /// Step 5: what still `waiting` goes into a fresh list; the `old` lists go, and the lists
    /// of `thisRun` when its packs were deleted at once.
    private func rewriteCondemnedLists(waiting: [CondemnedPack], old: [(ObjectName, [CondemnedPack])], thisRun: [ObjectName],
                                       now: Date) throws {
        var carried = CondemnedWriter(repository: repository, time: Int64(now.timeIntervalSince1970))
        for condemned in waiting { try carried.add(condemned) }
        try carried.flush()
        for (name, _) in old { try deleteIfPresent(name) }
        for name in thisRun { try deleteIfPresent(name) }
    }

    /// Step 6.
    private func removeIncompleteWrites(into report: inout PruneReport) {
        do {
            report.incompleteWritesRemoved = try repository.backend.removeIncompleteWrites(olderThan: PruneOptions.incompleteWriteAge)
        } catch {
            report.incompleteWritesFailure = "\(error)"
        }
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

    /// An object an earlier, interrupted prune deleted already is no error.
    private func deleteIfPresent(_ name: ObjectName) throws {
        try IndexRewriter(repository: repository).deleteIfPresent(name)
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
                    index.packEntry(all[Int(position)])
                }
            }
            try repacker.copy(entries, of: pack)
        }
        try repacker.finish()
        return repacker.bytesWritten
    }
}
