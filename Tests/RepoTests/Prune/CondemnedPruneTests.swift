import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Testing

/// Deferred deletion: while another process may be running, prune only condemns; a later
/// prune deletes, or puts back what a racing snapshot came to use.
@Suite struct CondemnedPruneTests {
    typealias Files = PruneFixtures.Files

    /// v1 = p1 + p2 + shared, v2 = shared: forgetting v1 leaves p1 and p2 unreferenced.
    /// p2 is 3 MB in files of 600 KB, so that some data pack holds nothing but p2.
    struct Scenario {
        var part1 = Files(), part2 = Files(), shared = Files()
        var v1: Files { part1.merging(part2) { a, _ in a }.merging(shared) { a, _ in a } }

        init(seed: UInt64) {
            var generator = PruneFixtures.Generator(seed: seed)
            for i in 0..<3 { part1["p1/file-\(i).bin"] = PruneFixtures.random(500_000, &generator) }
            part1["p1/notes.txt"] = PruneFixtures.text(30_000, &generator)
            for i in 0..<5 { part2["p2/file-\(i).bin"] = PruneFixtures.random(600_000, &generator) }
            for i in 0..<4 { shared["shared/doc-\(i).txt"] = PruneFixtures.text(5_000 + 3_000 * i, &generator) }
            shared["shared/image.bin"] = PruneFixtures.random(400_000, &generator)
        }
    }

    /// The condemned packs, each still stored and in no index.
    static func expectCondemnedAndStored(_ world: PruneFixtures.World, count: Int,
                                         sourceLocation: SourceLocation = #_sourceLocation) throws -> [CondemnedPack] {
        let fresh = try world.reopen()
        let condemned = try fresh.condemnedLists().flatMap(\.1)
        #expect(condemned.count == count, sourceLocation: sourceLocation)
        #expect(Set(condemned.map(\.pack.id)).count == condemned.count, "a pack condemned twice", sourceLocation: sourceLocation)
        for entry in condemned {
            let name = ObjectName(entry.pack.type.packKind, entry.pack.id.hex)
            #expect(try world.backend.stat(name)?.size == entry.pack.size, "condemned pack \(name) not stored", sourceLocation: sourceLocation)
            #expect(fresh.withIndex { $0.pack(entry.pack.id) } == nil, "condemned pack \(name) still indexed", sourceLocation: sourceLocation)
        }
        return condemned
    }

    /// Snapshots v1 and then shared, forgets v1, opens a repository as a snapshot process
    /// would before a prune (`stale`), and prunes while another host's fresh lock (taken
    /// after the prune's own) is present: everything unused is only condemned.
    static func deferredPrune(_ world: PruneFixtures.World, _ scenario: Scenario) throws
        -> (kept: StoredSnapshot, stale: Repository, foreign: ObjectName, report: PruneReport, packsBefore: Set<String>) {
        let old = try world.snapshot(scenario.v1)
        let kept = try world.snapshot(scenario.shared)
        try world.repository.forget([old])
        let packsBefore = try PruneFixtures.packIDs(world.backend)
        let stale = try world.reopen()
        let pruning = try world.reopen()
        let lock = try RepositoryLock.acquire(pruning, exclusive: true, operation: "prune")
        let foreign = try PruneFixtures.plantForeignLock(pruning)
        let report = try Pruner(repository: pruning, options: PruneOptions()).run(lock: lock)
        lock.release()
        return (kept, stale, foreign, report, packsBefore)
    }

    @Test func anotherHostsLockDefersDeletionAndARacingSnapshotIsKept() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let scenario = Scenario(seed: 71)
        let (kept, stale, foreign, report, packsBefore) = try Self.deferredPrune(world, scenario)

        #expect(report.deletedPacks == 0 && report.deletedBytes == 0)
        #expect(report.condemnedPacks > 0)
        #expect(report.condemnedPacks == report.unusedPacks + report.repackedPacks)
        #expect(report.condemnedBytes == report.unusedBytes + report.repackedBytes)
        #expect(report.deferredBecause.count == 1 && report.deferredBecause[0].contains("otherhost"), "\(report.deferredBecause)")
        let condemned = try Self.expectCondemnedAndStored(world, count: report.condemnedPacks)
        #expect(Set(condemned.map(\.pack.id.hex)).isSubset(of: packsBefore))
        let now = Int64(Date().timeIntervalSince1970)
        #expect(condemned.allSatisfy { abs($0.condemnedAt - now) < 120 })
        // Nothing was deleted; only new packs (repacked blobs) were added.
        #expect(packsBefore.isSubset(of: try PruneFixtures.packIDs(world.backend)))

        var check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
        #expect(check.notes.count == condemned.count)
        #expect(check.notes.allSatisfy { $0.contains("condemned by a prune") }, "\(check.notes)")
        try world.verifyAllRestore(from: try world.reopen(), expected: [kept])

        // The race: the stale process backs up p1 again, deduplicating against blobs that
        // are now only in condemned packs.
        let raced = try world.snapshot(scenario.part1, using: stale)
        let fresh = try world.reopen()
        let onlyCondemned = try PrunerPruneTests.referencedBlobs(fresh, [raced]).filter { fresh.isOnlyCondemned($0) }
        #expect(!onlyCondemned.isEmpty)
        check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
        let racedNotes = check.notes.filter { $0.contains("only in a condemned pack") }
        #expect(racedNotes.count >= scenario.part1.count, "\(check.notes)")
        // Its blobs are read from the condemned packs.
        try world.verifyRestore(raced, from: fresh)

        // The other process finishes; the next prune puts back what the raced snapshot uses
        // and deletes the rest.
        try world.backend.delete(foreign)
        let second = try PruneFixtures.prune(world.repository)
        #expect(second.restoredPacks > 0)
        #expect(second.deletedPacks > 0, "packs holding only p2 are deleted")
        #expect(second.deletedPacks + second.restoredPacks == condemned.count + second.unusedPacks + second.repackedPacks)
        #expect(second.condemnedPacks == 0 && second.deferredBecause.isEmpty)
        #expect(try world.backend.list(.condemned).isEmpty)
        let restoredIDs = Set(condemned.map(\.pack.id)).filter { id in (try? world.backend.stat(ObjectName(.dataPack, id.hex))) != nil
            || (try? world.backend.stat(ObjectName(.treePack, id.hex))) != nil }
        #expect(restoredIDs.count == second.restoredPacks)
        let after = try world.reopen()
        for id in restoredIDs { #expect(after.withIndex { $0.pack(id) } != nil, "restored pack \(id.hex) is indexed") }
        for blob in onlyCondemned { #expect(after.contains(blob)) }

        check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
        #expect(check.notes.isEmpty, "\(check.notes)")
        try world.verifyAllRestore(from: after, expected: [kept, raced])
    }

    /// A racing snapshot whose condemned pack is gone after all (a prune past the grace
    /// period deleted it and was stopped before it rewrote the condemned lists): its data
    /// is missing, and check and prune must say so rather than count on that pack.
    @Test func aRacedSnapshotWhoseCondemnedPackIsGoneIsMissingData() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let scenario = Scenario(seed: 76)
        let (_, stale, foreign, report, _) = try Self.deferredPrune(world, scenario)
        try world.backend.delete(foreign)
        try #require(report.condemnedPacks > 0)
        let raced = try world.snapshot(scenario.part1, using: stale)

        let fresh = try world.reopen()
        let usedPacks = try PrunerPruneTests.referencedBlobs(fresh, [raced])
            .filter { fresh.isOnlyCondemned($0) }
            .compactMap { fresh.location(of: $0) }
            .filter { $0.type == .data }
            .map(\.pack)
        let victim = try #require(usedPacks.first)
        try world.backend.delete(ObjectName(.dataPack, victim.hex))

        let check = try PruneFixtures.fullCheck(world)
        #expect(!check.isClean, "check calls blobs of a deleted pack only condemned: \(check.notes)")
        #expect(!check.problems.isEmpty && check.problems.allSatisfy { $0.contains("condemned pack \(victim.hex), which is missing") },
                "\(check.problems)")
        let objects = try PruneFixtures.objects(world.backend)
        #expect(throws: PruneError.missingPack(victim.hex)) { try PruneFixtures.prune(try world.reopen()) }
        #expect(try PruneFixtures.objects(world.backend) == objects, "prune deleted something")
    }

    @Test func graceDecidesWhenCondemnedPacksGoWhileAnotherHostHoldsALock() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let scenario = Scenario(seed: 72)
        let old = try world.snapshot(scenario.v1)
        let kept = try world.snapshot(scenario.shared)
        try world.repository.forget([old])
        // A lock not refreshed for two hours on another host: stale by time, so it does not
        // keep prune from taking its lock, but its holder may still be running.
        try PruneFixtures.plantForeignLock(world.repository, age: 7200)

        let first = try PruneFixtures.prune(world.repository)
        #expect(first.deletedPacks == 0 && first.condemnedPacks > 0)
        let condemned = try Self.expectCondemnedAndStored(world, count: first.condemnedPacks)

        // Within the grace period: carried over with their first time, none deleted.
        Thread.sleep(forTimeInterval: 1.1)
        let second = try PruneFixtures.prune(world.repository)
        #expect(second.deletedPacks == 0)
        #expect(second.condemnedPacks == condemned.count && second.condemnedBytes == first.condemnedBytes)
        #expect(second.unusedPacks == 0 && second.repackedPacks == 0 && second.restoredPacks == 0)
        let carried = try Self.expectCondemnedAndStored(world, count: condemned.count)
        let times = Dictionary(uniqueKeysWithValues: condemned.map { ($0.pack.id, $0.condemnedAt) })
        #expect(carried.allSatisfy { times[$0.pack.id] == $0.condemnedAt }, "condemnation times are kept")

        // Past the grace period: deleted although the lock is still there.
        let third = try PruneFixtures.prune(world.repository) { $0.grace = 0 }
        #expect(third.deletedPacks == condemned.count)
        #expect(third.deletedBytes == first.condemnedBytes)
        #expect(third.condemnedPacks == 0)
        #expect(third.deferredBecause.count == 1, "the lock is still there")
        #expect(try world.backend.list(.condemned).isEmpty)
        let packs = try PruneFixtures.packIDs(world.backend)
        #expect(condemned.allSatisfy { !packs.contains($0.pack.id.hex) })

        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean && check.notes.isEmpty, "\(check.problems) \(check.notes)")
        try world.verifyAllRestore(from: try world.reopen(), expected: [kept])
    }

    @Test func aDeadProcessOnThisHostDoesNotDeferDeletion() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let scenario = Scenario(seed: 73)
        let old = try world.snapshot(scenario.v1)
        let kept = try world.snapshot(scenario.shared)
        try world.repository.forget([old])
        let record = LockRecord(host: Host.name, pid: try RepositoryLockTests.deadPID(), user: "u", time: Date(),
                                exclusive: false, operation: "snapshot")
        _ = try RepositoryLock.write(record, to: world.repository)

        let report = try PruneFixtures.prune(world.repository)
        #expect(report.deferredBecause.isEmpty)
        #expect(report.condemnedPacks == 0 && report.deletedPacks > 0)
        #expect(try world.backend.list(.condemned).isEmpty)
        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean && check.notes.isEmpty, "\(check.problems) \(check.notes)")
        try world.verifyAllRestore(from: try world.reopen(), expected: [kept])
    }

    @Test func condemnedUnindexedPacksWaitToo() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let kept = try world.snapshot(Scenario(seed: 74).shared)
        let writer = try FormatFixtures.packWriter(.data, in: world.repository)
        var generator = PruneFixtures.Generator(seed: 75)
        let blob = PruneFixtures.random(20_000, &generator)
        try blob.withUnsafeBytes { _ = try writer.add(id: PruneFixtures.blobID(blob, in: world.repository), plaintext: $0) }
        let pack = try writer.finish()
        try pack.store(in: world.backend)
        let foreign = try PruneFixtures.plantForeignLock(world.repository, age: 7200)

        let first = try PruneFixtures.prune(world.repository)
        #expect(first.unindexedPacks == 1 && first.condemnedPacks == 1 && first.deletedPacks == 0)
        #expect(try PruneFixtures.condemnedPackIDs(world.repository) == [pack.id.hex])
        #expect(try world.backend.stat(pack.name) != nil)
        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean && check.notes.count == 1 && check.notes[0].contains("condemned"), "\(check.notes)")

        // Condemned, it is no longer "unindexed" for the next prune.
        let second = try PruneFixtures.prune(world.repository)
        #expect(second.unindexedPacks == 0 && second.condemnedPacks == 1 && second.deletedPacks == 0)

        try world.backend.delete(foreign)
        let third = try PruneFixtures.prune(world.repository)
        #expect(third.deletedPacks == 1 && third.deletedBytes == pack.size && third.unindexedPacks == 0)
        #expect(try world.backend.stat(pack.name) == nil)
        #expect(try world.backend.list(.condemned).isEmpty)
        #expect(try PruneFixtures.fullCheck(world).notes.isEmpty)
        try world.verifyAllRestore(from: try world.reopen(), expected: [kept])
    }
}
