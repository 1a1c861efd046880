import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Testing

/// Prune end to end: what goes, what stays, and that no surviving snapshot loses a byte.
@Suite struct PrunerPruneTests {
    typealias Files = PruneFixtures.Files

    /// Every blob the snapshots refer to (trees and file contents), found by walking their
    /// trees independently of prune's own scan.
    static func referencedBlobs(_ repository: Repository, _ snapshots: [StoredSnapshot]) throws -> Set<Digest256> {
        var seen = Set<Digest256>()
        var pending = snapshots.map(\.snapshot.tree)
        while let tree = pending.popLast() {
            guard seen.insert(tree).inserted else { continue }
            for node in try repository.loadTree(tree).nodes {
                for case .blob(let blob) in node.content { seen.insert(blob) }
                if let subtree = node.subtree { pending.append(subtree) }
            }
        }
        return seen
    }

    /// Per indexed pack, the share of its indexed bytes that `live` does not hold.
    static func unusedShares(_ repository: Repository, live: Set<Digest256>) -> [Digest256: Double] {
        var indexed: [Digest256: Int] = [:], unused: [Digest256: Int] = [:]
        repository.withIndex { index in
            index.forEach { id, location in
                indexed[location.pack, default: 0] += location.storedBytes
                if !live.contains(id) { unused[location.pack, default: 0] += location.storedBytes }
            }
        }
        return indexed.reduce(into: [:]) { shares, pack in shares[pack.key] = Double(unused[pack.key] ?? 0) / Double(pack.value) }
    }

    // MARK: Zero loss

    @Test func forgottenDataGoesAndEverySurvivorRestores() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let snapshots = try PruneFixtures.evolvingVersions(seed: 31).map { try world.snapshot($0) }
        let survivors = [snapshots[1], snapshots[3]]
        let live = try Self.referencedBlobs(world.repository, survivors)
        let everything = try Self.referencedBlobs(world.repository, snapshots)
        try #require(everything.count > live.count)
        let bytesBefore = try PruneFixtures.packBytes(world.backend)
        let packsBefore = try PruneFixtures.packIDs(world.backend)
        #expect(packsBefore.count >= 6)

        try world.repository.forget([snapshots[0], snapshots[2]])
        let report = try PruneFixtures.prune(world.repository)

        #expect(report.snapshots == 2)
        #expect(report.packs == packsBefore.count)
        #expect(report.storedBytes == bytesBefore)
        #expect(report.blobs == everything.count)
        #expect(report.liveBlobs == live.count)
        #expect(report.unusedPacks > 0)
        #expect(report.deletedPacks == report.unusedPacks + report.repackedPacks)
        #expect(report.deletedBytes == report.unusedBytes + report.repackedBytes)
        #expect(report.deletedBytes > 0)
        #expect(report.condemnedPacks == 0 && report.deferredBecause.isEmpty && report.restoredPacks == 0)
        #expect(report.unindexedPacks == 0 && report.missingPacks == 0 && report.damagedPacks.isEmpty)
        #expect(report.rewrittenBytes == 0 || report.repackedPacks > 0)

        let bytesAfter = try PruneFixtures.packBytes(world.backend)
        let packsAfter = try PruneFixtures.packIDs(world.backend)
        #expect(bytesAfter == bytesBefore - report.deletedBytes + report.rewrittenBytes)
        #expect(bytesAfter < bytesBefore)
        // v1's media/a.bin (1.2 MB of random data that only v1 held) is gone, at least.
        #expect(bytesBefore - bytesAfter >= 1_000_000, "freed \(bytesBefore - bytesAfter)")
        #expect(packsBefore.subtracting(packsAfter).count == report.deletedPacks)
        #expect(try world.backend.list(.condemned).isEmpty)

        // Every live blob is indexed; of the dead ones only those in packs within maxUnused stay.
        let fresh = try world.reopen()
        for blob in live { #expect(fresh.contains(blob), "live blob \(blob.hex) lost") }
        for (pack, share) in Self.unusedShares(fresh, live: live) {
            #expect(share <= 0.05, "pack \(pack.hex) is \(Int(share * 100))% unused after prune")
        }
        #expect(fresh.indexedBlobCount < everything.count)

        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
        #expect(check.notes.isEmpty, "\(check.notes)")
        #expect(check.snapshots == 2)
        #expect(check.packsRead == packsAfter.count)

        try world.verifyAllRestore(from: fresh, expected: survivors)
        // The instance that pruned reloaded its index.
        try world.verifyRestore(survivors[0], from: world.repository)

        // A second prune finds nothing to do.
        let objects = try PruneFixtures.objects(world.backend)
        let again = try PruneFixtures.prune(world.repository)
        #expect(again.unusedPacks == 0 && again.repackedPacks == 0 && again.unindexedPacks == 0)
        #expect(again.deletedPacks == 0 && again.deletedBytes == 0 && again.rewrittenBytes == 0)
        #expect(again.indexObjectsWritten == 0 && again.indexObjectsRemoved == 0)
        #expect(again.liveBlobs == live.count)
        #expect(try PruneFixtures.objects(world.backend) == objects)
    }

    @Test func forgettingEverythingEmptiesTheRepository() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let versions = PruneFixtures.evolvingVersions(seed: 32, scale: 0.3)
        let snapshots = try versions.prefix(2).map { try world.snapshot($0) }
        try world.repository.forget(snapshots)
        let report = try PruneFixtures.prune(world.repository)
        #expect(report.liveBlobs == 0)
        #expect(report.deletedPacks == report.packs && report.packs > 0)
        #expect(report.repackedPacks == 0)
        #expect(try PruneFixtures.packs(world.backend).isEmpty)
        #expect(try world.backend.list(.index).isEmpty)
        #expect(try world.backend.list(.condemned).isEmpty)
        #expect(world.repository.indexedBlobCount == 0)
        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean && check.notes.isEmpty && check.packs == 0)
        // And the repository takes new snapshots.
        let next = try world.snapshot(versions[2])
        try world.verifyAllRestore(from: try world.reopen(), expected: [next])
    }

    // MARK: Repack

    /// Twenty small text files (one blob each) and a large text file in the same first
    /// data pack; the second version holds only the small files.
    static func mixedPack(_ world: PruneFixtures.World, seed: UInt64) throws
        -> (old: StoredSnapshot, kept: StoredSnapshot, smallBlobs: [Digest256], smallPacks: Set<String>) {
        var generator = PruneFixtures.Generator(seed: seed)
        var small = Files()
        for i in 0..<20 { small["a/small-\(i).txt"] = PruneFixtures.text(3_000, &generator) }  // below the 4 KiB minimum chunk
        var big = small
        big["b/big.log"] = PruneFixtures.text(3_000_000, &generator)
        let old = try world.snapshot(big)
        let kept = try world.snapshot(small)
        let blobs = small.values.map { PruneFixtures.blobID($0, in: world.repository) }
        let packs = try Set(blobs.map { try #require(world.repository.location(of: $0)).pack.hex })
        return (old, kept, blobs, packs)
    }

    @Test func mostlyDeadPacksAreRepacked() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let (old, kept, smallBlobs, smallPacks) = try Self.mixedPack(world, seed: 41)
        #expect(smallPacks.count == 1, "the small files share the first data pack")
        let packsBefore = try PruneFixtures.packIDs(world.backend)
        try world.repository.forget([old])

        let report = try PruneFixtures.prune(world.repository)
        #expect(report.repackedPacks == 1)
        #expect(report.repackedBlobs == 20)
        #expect(report.rewrittenBytes > 0)
        #expect(report.rewrittenBytes < report.repackedBytes / 10)
        #expect(report.deletedPacks == report.unusedPacks + report.repackedPacks)

        let packsAfter = try PruneFixtures.packIDs(world.backend)
        #expect(smallPacks.isDisjoint(with: packsAfter), "the repacked pack is gone")
        #expect(packsBefore.subtracting(packsAfter).count == report.deletedPacks)
        let fresh = try world.reopen()
        let newPacks = try Set(smallBlobs.map { try #require(fresh.location(of: $0)).pack.hex })
        #expect(newPacks.isDisjoint(with: packsBefore), "the live blobs moved to new packs")
        #expect(newPacks.isSubset(of: packsAfter))
        #expect(try newPacks.reduce(0) { $0 + (try world.backend.stat(ObjectName(.dataPack, $1))?.size ?? 0) } == report.rewrittenBytes)

        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
        #expect(check.notes.isEmpty, "\(check.notes)")
        try world.verifyAllRestore(from: fresh, expected: [kept])

        let again = try PruneFixtures.prune(world.repository)
        #expect(again.repackedPacks == 0 && again.deletedPacks == 0)
    }

    @Test(arguments: ["maxUnused", "maxRepackBytes"])
    func repackingCanBeTurnedOff(_ setting: String) throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let (old, kept, _, smallPacks) = try Self.mixedPack(world, seed: 42)
        try world.repository.forget([old])

        let report = try PruneFixtures.prune(world.repository) {
            if setting == "maxUnused" { $0.maxUnused = 1.0 } else { $0.maxRepackBytes = 0 }
        }
        #expect(report.repackedPacks == 0 && report.repackedBytes == 0 && report.rewrittenBytes == 0)
        #expect(report.deletedPacks == report.unusedPacks, "packs with nothing live still go")
        #expect(smallPacks.isSubset(of: try PruneFixtures.packIDs(world.backend)), "the mixed pack stays")
        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean && check.notes.isEmpty, "\(check.problems) \(check.notes)")
        try world.verifyAllRestore(from: try world.reopen(), expected: [kept])

        // Without the limit, the next prune repacks it.
        let next = try PruneFixtures.prune(world.repository)
        #expect(next.repackedPacks == 1 && next.unusedPacks == 0)
        #expect(smallPacks.isDisjoint(with: try PruneFixtures.packIDs(world.backend)))
    }

    // MARK: Dry run

    @Test func dryRunChangesNothingAndPredictsTheRealRun() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let (old, kept, _, _) = try Self.mixedPack(world, seed: 43)
        // Plus a pack no index lists.
        let writer = try FormatFixtures.packWriter(.data, in: world.repository)
        var generator = PruneFixtures.Generator(seed: 44)
        let orphan = PruneFixtures.random(50_000, &generator)
        try orphan.withUnsafeBytes { _ = try writer.add(id: PruneFixtures.blobID(orphan, in: world.repository), plaintext: $0) }
        let pack = try writer.finish()
        try pack.store(in: world.backend)

        // Planned before `forget`, as `forget --dry-run --prune` does.
        let objects = try PruneFixtures.objects(world.backend)
        let assumed = try PruneFixtures.prune(world.repository) {
            $0.dryRun = true
            $0.assumeForgotten = [old.id]
        }
        #expect(try PruneFixtures.objects(world.backend) == objects)

        try world.repository.forget([old])
        let afterForget = try PruneFixtures.objects(world.backend)
        let dry = try PruneFixtures.prune(world.repository) { $0.dryRun = true }
        #expect(try PruneFixtures.objects(world.backend) == afterForget, "a dry run writes and deletes nothing")
        #expect(dry.dryRun)
        #expect(dry.deletedPacks > 0 && dry.repackedPacks == 1 && dry.unindexedPacks == 1)
        #expect(dry.deletedPacks == dry.unusedPacks + dry.repackedPacks + dry.unindexedPacks)
        #expect(dry.rewrittenBytes > 0)

        // A dry run while another host holds a lock: the same packs, condemned not deleted.
        let foreign = try PruneFixtures.plantForeignLock(world.repository, age: 3600)
        let deferred = try PruneFixtures.prune(world.repository) { $0.dryRun = true }
        #expect(deferred.deletedPacks == 0)
        #expect(deferred.condemnedPacks == dry.deletedPacks && deferred.condemnedBytes == dry.deletedBytes)
        #expect(deferred.deferredBecause.count == 1)
        try world.backend.delete(foreign)
        #expect(try PruneFixtures.objects(world.backend) == afterForget)

        let real = try PruneFixtures.prune(world.repository)
        #expect(!real.dryRun)
        for (label, planned) in [("assumeForgotten", assumed), ("dry run", dry)] {
            #expect(planned.snapshots == real.snapshots, "\(label)")
            #expect(planned.blobs == real.blobs && planned.liveBlobs == real.liveBlobs && planned.liveBytes == real.liveBytes, "\(label)")
            #expect(planned.unusedPacks == real.unusedPacks && planned.unusedBytes == real.unusedBytes, "\(label)")
            #expect(planned.repackedPacks == real.repackedPacks && planned.repackedBytes == real.repackedBytes, "\(label)")
            #expect(planned.repackedBlobs == real.repackedBlobs, "\(label)")
            #expect(planned.unindexedPacks == real.unindexedPacks && planned.unindexedBytes == real.unindexedBytes, "\(label)")
            #expect(planned.deletedPacks == real.deletedPacks && planned.deletedBytes == real.deletedBytes, "\(label)")
            // The estimate counts the live blobs; the real packs add their headers.
            #expect(planned.rewrittenBytes <= real.rewrittenBytes, "\(label)")
        }
        let deleted = Set(afterForget.keys).subtracting(try PruneFixtures.objects(world.backend).keys)
        #expect(deleted.filter { $0.hasPrefix("data/") || $0.hasPrefix("tree/") }.count == real.deletedPacks)
        #expect(!(try PruneFixtures.packIDs(world.backend)).contains(pack.id.hex))
        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean && check.notes.isEmpty, "\(check.problems) \(check.notes)")
        try world.verifyAllRestore(from: try world.reopen(), expected: [kept])
    }

    // MARK: Unindexed packs

    @Test func packsOfInterruptedOperationsAreDeleted() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let versions = PruneFixtures.evolvingVersions(seed: 51, scale: 0.3)
        let first = try world.snapshot(versions[0])
        let indexBefore = Set(try world.backend.list(.index).map(\.name))
        let packsBefore = try PruneFixtures.packIDs(world.backend)

        // An interrupted snapshot: its packs are stored, its index objects never were.
        var generator = PruneFixtures.Generator(seed: 52)
        let sink = BlobSink(repository: world.repository, workers: 1)
        for _ in 0..<4 {
            let blob = PruneFixtures.random(400_000, &generator)
            try sink.add(BlobSink.Job(id: PruneFixtures.blobID(blob, in: world.repository), type: .data, plaintext: blob))
        }
        let tree = PruneFixtures.text(2_000, &generator)
        try sink.add(BlobSink.Job(id: PruneFixtures.blobID(tree, in: world.repository), type: .tree, plaintext: tree))
        try sink.finish()
        for info in try world.backend.list(.index) where !indexBefore.contains(info.name) { try world.backend.delete(info.name) }
        // A pack written by hand, never indexed.
        let writer = try FormatFixtures.packWriter(.data, in: world.repository)
        let loose = PruneFixtures.random(10_000, &generator)
        try loose.withUnsafeBytes { _ = try writer.add(id: PruneFixtures.blobID(loose, in: world.repository), plaintext: $0) }
        let pack = try writer.finish()
        try pack.store(in: world.backend)
        // And something under data/ that is no pack at all.
        let garbage = PruneFixtures.random(3_000, &generator)
        let garbageName = ObjectName(.dataPack, SHA256.hash(garbage).hex)
        try world.backend.write(garbageName, garbage)

        let unindexed = try PruneFixtures.packs(world.backend).filter {
            !packsBefore.contains($0.name.id) && $0.name != garbageName
        }
        #expect(unindexed.count >= 3, "two packs of the sink (data and tree) and the loose one")
        let before = try PruneFixtures.fullCheck(world)
        #expect(before.isClean, "\(before.problems)")
        #expect(before.notes.count == unindexed.count + 1)
        #expect(before.notes.allSatisfy { $0.contains("not in any index") })

        let report = try PruneFixtures.prune(try world.reopen())
        #expect(report.unindexedPacks == unindexed.count)
        #expect(report.unindexedBytes == unindexed.reduce(0) { $0 + $1.size })
        #expect(report.deletedPacks == unindexed.count)
        #expect(report.deletedBytes == report.unindexedBytes)
        #expect(report.unusedPacks == 0 && report.repackedPacks == 0)
        #expect(report.damagedPacks.count == 1, "\(report.damagedPacks)")
        #expect(try PruneFixtures.packIDs(world.backend) == packsBefore.union([garbageName.id]), "the damaged one is left alone")

        let after = try PruneFixtures.fullCheck(world)
        #expect(after.isClean, "\(after.problems)")
        #expect(after.notes.count == 1 && after.notes[0].contains(garbageName.id), "\(after.notes)")
        try world.backend.delete(garbageName)
        #expect(try PruneFixtures.fullCheck(world).notes.isEmpty)
        try world.verifyAllRestore(from: try world.reopen(), expected: [first])
    }

    // MARK: Refusals

    @Test func missingDataStopsPruneBeforeItDeletesAnything() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        var generator = PruneFixtures.Generator(seed: 61)
        var files = Files()
        for i in 0..<4 { files["f\(i).bin"] = PruneFixtures.random(700_000, &generator) }
        files["notes.txt"] = PruneFixtures.text(20_000, &generator)
        let stored = try world.snapshot(files)
        // Something prune would otherwise delete.
        let garbage = try world.snapshot(["other.bin": PruneFixtures.random(300_000, &generator)])
        try world.repository.forget([garbage])

        let dataPacks = try world.backend.list(.dataPack)
        try #require(dataPacks.count >= 3)
        let live = try Self.referencedBlobs(world.repository, [stored])
        // A data pack holding blobs of the kept snapshot, and how many.
        var liveByPack: [Digest256: Int] = [:]
        world.repository.withIndex { index in
            index.forEach { id, location in if live.contains(id) && location.type == .data { liveByPack[location.pack, default: 0] += 1 } }
        }
        let (victimID, victimBlobs) = try #require(liveByPack.max { $0.value < $1.value })
        let victimName = ObjectName(.dataPack, victimID.hex)
        try world.backend.delete(victimName)

        // Its index entry stays: the pack is missing.
        var objects = try PruneFixtures.objects(world.backend)
        #expect(throws: PruneError.missingPack(victimName.id)) { try PruneFixtures.prune(try world.reopen()) }
        #expect(try PruneFixtures.objects(world.backend) == objects)

        // The index rewritten without it (as `repair index` would): its blobs are missing.
        let repository = try world.reopen()
        for info in try world.backend.list(.index) {
            let packs = try repository.indexObject(info.name)
            guard packs.contains(where: { $0.id == victimID }) else { continue }
            try repository.saveIndex(packs.filter { $0.id != victimID })
            try world.backend.delete(info.name)
        }
        objects = try PruneFixtures.objects(world.backend)
        do {
            _ = try PruneFixtures.prune(try world.reopen())
            Issue.record("prune ran although blobs are missing")
        } catch PruneError.missingBlobs(let count, let snapshot, let blob) {
            #expect(count == victimBlobs)
            #expect(snapshot == stored.id)
            #expect(live.contains(blob))
            #expect(try world.reopen().location(of: blob) == nil)
        }
        #expect(try PruneFixtures.objects(world.backend) == objects)
        #expect(try world.backend.list(.locks).isEmpty)
    }
}
