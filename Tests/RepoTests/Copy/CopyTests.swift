import Crypto
import Foundation
@testable import Repo
@testable import Storage
import TestSupport
import Testing

@Suite struct CopyTests {
    typealias World = CopyFixtures.World

    /// Two snapshots copied between repositories with different passwords and keys: each
    /// copy has the source's metadata, trees equal but for ids, restores byte for byte, and
    /// the target checks clean with every byte read. A second run changes nothing.
    @Test func copiesFaithfullyAndASecondRunSendsNothing() throws {
        let world = try World()
        defer { world.remove() }
        var files = CopyFixtures.files(seed: 1)
        let first = try world.snapshot(files, tags: ["nightly"])
        files["text/t1.txt"]!.replaceSubrange(1000..<1010, with: Array("0123456789".utf8))
        files["new.txt"] = Array("a new file\n".utf8)
        let second = try world.snapshot(files, at: world.versions[first.id]!.path, tags: ["nightly", "second"])
        #expect(second.snapshot.parent == first.id)

        let summary = try world.copy()
        #expect(summary.copied == 2 && summary.alreadyCopied == 0 && summary.failed.isEmpty)
        #expect(summary.snapshots.map(\.source.id) == [first.id, second.id], "oldest first")
        #expect(summary.blobsSent > 0 && summary.bytesStored > 0)
        let totalBytes = UInt64(files.values.reduce(0) { $0 + $1.count })
        #expect(summary.bytesSent >= totalBytes, "every byte of data went over: \(summary.bytesSent) of \(totalBytes)")

        let copy1 = try #require(try world.copy(of: first)), copy2 = try #require(try world.copy(of: second))
        #expect(summary.snapshots.map { $0.target?.id } == [copy1.id, copy2.id])
        #expect(copy2.snapshot.parent == copy1.id, "a copy's parent is the copy of the source's parent")
        #expect(copy1.snapshot.parent == nil)
        try world.verifyCopy(copy1, of: first)
        try world.verifyCopy(copy2, of: second)
        try world.expectTargetClean()

        let before = try world.targetObjects()
        let again = try world.copy()
        #expect(again.copied == 0 && again.alreadyCopied == 2)
        #expect(again.blobsSent == 0 && again.bytesSent == 0 && again.bytesStored == 0)
        #expect(again.blobsRead == 0, "a snapshot copied before is not even read")
        #expect(again.snapshots.map { $0.target?.id } == [copy1.id, copy2.id])
        #expect(try world.targetObjects() == before, "the second run wrote nothing")
    }

    /// After a new source snapshot, copying again sends only what is new, and reads little
    /// more: the map tells the target ids of unchanged blobs, and unchanged directories are
    /// reused without a walk.
    @Test func incrementalCopySendsOnlyNewData() throws {
        let world = try World()
        defer { world.remove() }
        var files = CopyFixtures.files(seed: 2)
        let first = try world.snapshot(files)
        let initial = try world.copy()
        #expect(initial.copied == 1)

        var generator = SeededGenerator(seed: 99)
        files["text/deeper/added.bin"] = generator.bytes(40_000)
        files["text/t0.txt"]!.append(contentsOf: Array("one more line\n".utf8))
        let second = try world.snapshot(files, at: world.versions[first.id]!.path)
        let next = try world.copy()
        #expect(next.copied == 1 && next.alreadyCopied == 1)
        let copied = try #require(next.snapshots.last)
        #expect(copied.source.id == second.id && copied.outcome == .copied)
        #expect(copied.blobsSent > 0)
        #expect(copied.bytesSent < initial.bytesSent / 20,
                "only new data is sent: \(copied.bytesSent) against \(initial.bytesSent) at first")
        #expect(copied.bytesRead < initial.bytesRead / 10,
                "mapped blobs are not read again: \(copied.bytesRead) against \(initial.bytesRead) at first")
        #expect(copied.treesReused > 0, "bin/ did not change: its tree is reused unread")
        #expect(copied.blobsReused > 0)
        try world.verifyCopy(try #require(try world.copy(of: second)), of: second)
        try world.expectTargetClean()
    }

    /// The cache only saves time. Without it, a re-run still sends nothing; a snapshot that
    /// must be copied again (its copy was forgotten, the data is still there) is read whole
    /// but nothing is sent; with it, the same copy reads almost nothing.
    @Test func aDeletedCacheCostsOnlyTime() throws {
        let world = try World()
        defer { world.remove() }
        let files = CopyFixtures.files(seed: 3)
        let first = try world.snapshot(files)
        let initial = try world.copy()
        #expect(initial.copied == 1)

        try world.deleteCache()
        let rerun = try world.copy()
        #expect(rerun.copied == 0 && rerun.alreadyCopied == 1 && rerun.blobsSent == 0 && rerun.bytesStored == 0)

        // Forget the copy: its data stays in the target until a prune.
        let forgotten = try #require(try world.copy(of: first))
        try world.openTarget().forget([forgotten])
        try world.deleteCache()
        let withoutCache = try world.copy()
        #expect(withoutCache.copied == 1)
        #expect(withoutCache.blobsSent == 0 && withoutCache.bytesStored == 0, "the target has every blob already")
        #expect(withoutCache.bytesRead >= UInt64(files.values.reduce(0) { $0 + $1.count }),
                "without the map, every blob is read to learn its target id")
        let copy = try #require(try world.copy(of: first))
        #expect(copy.snapshot.tree == forgotten.snapshot.tree, "the same content gives the same target ids")
        try world.verifyCopy(copy, of: first)

        // With the cache (filled by the run above), the same situation reads only trees.
        try world.openTarget().forget([copy])
        let withCache = try world.copy()
        #expect(withCache.copied == 1 && withCache.blobsSent == 0)
        #expect(withCache.bytesRead < withoutCache.bytesRead / 20,
                "mapped blobs are not read: \(withCache.bytesRead) against \(withoutCache.bytesRead)")
        #expect(withCache.snapshots[0].treesReused == 0,
                "no copy of the snapshot is in the target: its trees may have lost data to a prune, so they are walked")
        try world.expectTargetClean()
    }

    /// A mapped tree that is in the target's index is not trusted unless a copy of its
    /// snapshot is there: a prune may have removed the data below it.
    @Test func aMappedTreeWhoseDataIsGoneIsNotReused() throws {
        let world = try World()
        defer { world.remove() }
        let files = CopyFixtures.files(seed: 4)
        let first = try world.snapshot(files)
        _ = try world.copy()
        let copy = try #require(try world.copy(of: first))
        let target = try world.openTarget()
        try target.forget([copy])
        // What a partial prune can leave: tree packs indexed, data packs gone.
        for pack in try target.backend.list(.dataPack) { try target.backend.delete(pack.name) }
        _ = try IndexRepair(repository: target).run()

        let recopy = try world.copy()
        #expect(recopy.copied == 1 && recopy.failed.isEmpty)
        #expect(recopy.bytesSent >= UInt64(files.values.reduce(0) { $0 + $1.count }), "all data is sent again")
        try world.verifyCopy(try #require(try world.copy(of: first)), of: first)
        try world.expectTargetClean()
    }

    /// Snapshots named by id prefix (or `latest`), and filters, select what is copied.
    @Test func copiesASubset() throws {
        let world = try World()
        defer { world.remove() }
        let a = try world.snapshot(CopyFixtures.files(seed: 5), tags: ["a"])
        let b = try world.snapshot(CopyFixtures.files(seed: 6), tags: ["b"])
        let c = try world.snapshot(CopyFixtures.files(seed: 7), tags: ["c"])

        let one = try world.copy([String(b.id.prefix(10))])
        #expect(one.snapshots.map(\.source.id) == [b.id] && one.copied == 1)
        #expect(try world.openTarget().snapshots().map { $0.snapshot.copiedFrom } == [b.id])

        let latest = try world.copy(["latest"], filter: SnapshotFilter(tags: ["a"]))
        #expect(latest.snapshots.map(\.source.id) == [a.id] && latest.copied == 1)

        #expect(throws: RepositoryError.snapshotNotFound("ffffffff")) { try world.copy(["ffffffff"]) }

        let rest = try world.copy()
        #expect(rest.copied == 1 && rest.alreadyCopied == 2)
        #expect(rest.snapshots.first { $0.outcome == .copied }?.source.id == c.id)
        let copies = try world.openTarget().snapshots()
        #expect(Set(copies.compactMap(\.snapshot.copiedFrom)) == [a.id, b.id, c.id] && copies.count == 3)
        for original in [a, b, c] { try world.verifyCopy(try #require(try world.copy(of: original)), of: original) }
        try world.expectTargetClean()
    }

    /// A copy whose target lock is lost writes no snapshot; the next run finds the data
    /// stored already and sends nothing.
    @Test func noSnapshotWithoutTheLock() throws {
        let world = try World()
        defer { world.remove() }
        let first = try world.snapshot(CopyFixtures.files(seed: 8))
        struct LockLost: Error {}
        #expect(throws: LockLost.self) { try world.copy(beforeCommit: { throw LockLost() }) }
        #expect(try world.openTarget().snapshots().isEmpty)

        let retry = try world.copy()
        #expect(retry.copied == 1 && retry.blobsSent == 0, "blobs stored by the failed run are there")
        try world.verifyCopy(try #require(try world.copy(of: first)), of: first)
        try world.expectTargetClean()
    }

    /// A source snapshot with missing data fails alone; the others are copied.
    @Test func aDamagedSourceSnapshotFailsAlone() throws {
        let world = try World()
        defer { world.remove() }
        let good = try world.snapshot(["x.txt": Array("good".utf8)])
        var generator = SeededGenerator(seed: 9)
        let bad = try world.snapshot(["y.bin": generator.bytes(600_000)])
        // Delete the data packs only the bad snapshot uses.
        let source = try world.openSource()
        func dataPacks(_ stored: StoredSnapshot) throws -> Set<Digest256> {
            var packs = Set<Digest256>()
            func walk(_ id: Digest256) throws {
                for node in try source.loadTree(id).nodes {
                    if let subtree = node.subtree { try walk(subtree) }
                    for case .blob(let blob) in node.content { packs.insert(try #require(source.location(of: blob)).pack) }
                }
            }
            try walk(stored.snapshot.tree)
            return packs
        }
        let doomed = try dataPacks(bad).subtracting(try dataPacks(good))
        try #require(!doomed.isEmpty)
        for pack in doomed { try source.backend.delete(ObjectName(.dataPack, pack.hex)) }

        let summary = try world.copy()
        #expect(summary.copied == 1 && summary.failed.map(\.source.id) == [bad.id])
        #expect(try world.openTarget().snapshots().map { $0.snapshot.copiedFrom } == [good.id])
        try world.verifyCopy(try #require(try world.copy(of: good)), of: good)
        try world.expectTargetClean()
    }

    /// A target snapshot that `repair snapshots` rewrote has lost data: it does not count as
    /// a copy, so the next copy writes the whole snapshot again.
    @Test func aRepairedCopyIsCopiedAgain() throws {
        let world = try World()
        defer { world.remove() }
        let first = try world.snapshot(CopyFixtures.files(seed: 10))
        _ = try world.copy()
        let target = try world.openTarget()
        let original = try #require(try world.copy(of: first))
        // What `repair snapshots` writes: the same snapshot, with fewer files and more problems.
        var repaired = original.snapshot
        repaired.problems.append("lost in repair: /somewhere")
        repaired.partial = true
        repaired.tags.append("repaired")
        _ = try target.saveSnapshot(repaired)
        try target.deleteSnapshot(id: original.id)

        let summary = try world.copy()
        #expect(summary.copied == 1, "the repaired copy does not count")
        #expect(summary.blobsSent == 0)
        let copies = try world.openTarget().snapshots().filter { $0.snapshot.copiedFrom == first.id }
        #expect(copies.count == 2)
        let whole = try #require(copies.first { $0.snapshot.problems.isEmpty })
        try world.verifyCopy(whole, of: first)
        #expect(try world.copy().copied == 0, "and now it is copied")
    }

    /// Retagging a source snapshot gives it a new id; its copy still counts, and the trees
    /// mapped for the old id are still reused for the next snapshot.
    @Test func aRetaggedSourceSnapshotIsNotCopiedAgain() throws {
        let world = try World()
        defer { world.remove() }
        var files = CopyFixtures.files(seed: 11)
        let first = try world.snapshot(files)
        let initial = try world.copy()
        #expect(initial.copied == 1)
        let retagged = try world.openSource().retag(try world.openSource().loadSnapshot(id: first.id), add: ["release"],
                                                    remove: [], set: nil)
        #expect(retagged.id != first.id)

        let before = try world.targetObjects()
        let again = try world.copy()
        #expect(again.copied == 0 && again.alreadyCopied == 1 && again.blobsRead == 0)
        #expect(try world.targetObjects() == before)

        files["text/t2.txt"]!.append(contentsOf: Array("appended\n".utf8))
        let second = try world.snapshot(files, at: world.versions[first.id]!.path)
        let next = try world.copy()
        #expect(next.copied == 1)
        let copied = try #require(next.snapshots.first { $0.source.id == second.id })
        #expect(copied.treesReused > 0, "bin/ is reused through the mapping made for the old id")
        #expect(copied.bytesRead < initial.bytesRead / 10)
        #expect(second.snapshot.parent == retagged.id)
        let copyOfFirst = try #require(try world.copy(of: first))
        #expect(copied.target?.snapshot.parent == copyOfFirst.id, "the parent's copy is found under its new id")
        try world.verifyCopy(try #require(copied.target), of: second)
    }

    @Test func refusesToCopyARepositoryIntoItself() throws {
        let world = try World()
        defer { world.remove() }
        try world.snapshot(["x": [1]])
        #expect(throws: CopyError.self) { try Copier(source: world.openSource(), target: world.openSource()).copy() }
    }

    /// `copied_from` is optional in the snapshot JSON: absent when nil (snapshots taken here
    /// encode as before), and readers ignore fields they do not know.
    @Test func copiedFromIsAnOptionalField() throws {
        let snapshot = Snapshot(time: Date(timeIntervalSince1970: 1_800_000_000), host: "h", user: "u", uid: 1, gid: 2,
                                paths: ["/p"], tags: [], tree: .zero, parent: nil, problems: [], summary: .init())
        let plain = String(decoding: try snapshot.encoded(), as: UTF8.self)
        #expect(!plain.contains("copied_from"))
        var copied = snapshot
        copied.copiedFrom = String(repeating: "ab", count: 32)
        let bytes = try copied.encoded()
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"copied_from\":\"\(copied.copiedFrom!)\""))
        #expect(try Snapshot.decode(bytes, name: "s") == copied)
        #expect(try Snapshot.decode(Array(plain.utf8), name: "s").copiedFrom == nil)
        // An older reader sees a field it does not know; so does this one.
        let future = plain.replacingOccurrences(of: "\"host\":", with: "\"some_later_field\":[1,2],\"host\":")
        #expect(future != plain)
        #expect(try Snapshot.decode(Array(future.utf8), name: "s") == snapshot)
    }
}

/// A copy into a target whose index writes failed leaves its packs unindexed there: the next
/// copy adopts them and sends none of their data again (docs/design.md, "Resuming an
/// interrupted upload").
@Suite struct ResumedCopyTests {
    @Test func theNextCopyAdoptsWhatAnInterruptedOneStored() throws {
        let world = try CopyFixtures.World()
        defer { world.remove() }
        var generator = PruneFixtures.Generator(seed: 1660)
        var files = CopyFixtures.Files()
        for i in 0..<6 { files["media/clip-\(i).bin"] = PruneFixtures.random(700_000, &generator) }
        let original = try world.snapshot(files)

        var options = CopyOptions()
        options.jobs = 2
        let failingTarget = try Repository.open(backend: IndexWriteFailingBackend(try LocalBackend(existingAt: world.targetLocation)),
                                                password: Array(CopyFixtures.targetPassword.utf8), cacheDirectory: nil)
        #expect(throws: BackendError.self) {
            try Copier(source: try world.openSource(cache: false), target: failingTarget, options: options).copy()
        }
        let target = try LocalBackend(existingAt: world.targetLocation)
        let stranded = Set(try target.list(.dataPack).map(\.name))
        let indexObjects = try target.list(.index)
        #expect(stranded.count >= 2 && indexObjects.isEmpty)

        let summary = try world.copy(cache: false)
        #expect(summary.copied == 1)
        #expect(summary.adopted.packs >= stranded.count && summary.adopted.skipped == 0, "\(summary.adopted)")
        #expect(Set(try target.list(.dataPack).map(\.name)) == stranded, "no data sent again")
        let copy = try #require(try world.copy(of: original))
        try world.verifyCopy(copy, of: original)
    }
}
