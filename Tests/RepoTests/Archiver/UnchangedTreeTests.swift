import Crypto
import Foundation
import Posix
@testable import Repo
@testable import Storage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The shortcuts of a re-snapshot of a mostly unchanged tree (docs/design.md, "The snapshot
/// pipeline"): attributes taken from the parent's entry, the content of unchanged files
/// taken without looking up its blobs, and the parent's tree reused for a directory where
/// nothing changed. Each test makes a change that a shortcut taken too eagerly would miss.
@Suite struct UnchangedTreeTests {
    /// A repository and a source directory `src` in it, snapshotted with one worker.
    final class Scene {
        let world: PruneFixtures.World
        let source: String

        init() throws {
            world = try PruneFixtures.World()
            source = world.directory + "/src"
        }

        deinit { world.remove() }

        func write(_ files: PruneFixtures.Files) throws { try PruneFixtures.write(files, to: source) }

        @discardableResult
        func snapshot(with repository: Repository? = nil) throws -> StoredSnapshot {
            var options = SnapshotOptions()
            options.jobs = 1
            return try Archiver(repository: repository ?? world.reopen(), options: options).snapshot(paths: [source])
        }

        /// The entry at `relative` (below the source) in `stored`.
        func node(_ relative: String, in stored: StoredSnapshot) throws -> Node {
            let repository = try world.reopen()
            var tree = try repository.loadTree(stored.snapshot.tree)
            let components = (relative.isEmpty ? source : source + "/" + relative).split(separator: "/").map { Array($0.utf8) }
            for (index, component) in components.enumerated() {
                let node = try #require(tree.nodes.first { $0.name == component }, "no \(relative) in \(stored.shortID)")
                if index == components.count - 1 { return node }
                tree = try repository.loadTree(try #require(node.subtree))
            }
            throw FormatError.corrupt(relative, "empty path")
        }

        func names(in relative: String, of stored: StoredSnapshot) throws -> [String] {
            let subtree = try #require(try node(relative, in: stored).subtree)
            return try world.reopen().loadTree(subtree).nodes.map(\.displayName)
        }

        /// Sets a user attribute; false when the file system has none (the test steps aside).
        func setAttribute(_ relative: String, _ name: String, _ value: String) -> Bool {
            do throws(Errno) {
                try ExtendedAttributeHolder.path(Array((source + "/" + relative).utf8)).write(name: Array(name.utf8), value: Array(value.utf8))
                return true
            } catch {
                return false
            }
        }

        /// `lremovexattr`, looked up as `ExtendedAttributeCalls` does (Glibc's module lacks it).
        func removeAttribute(_ relative: String, _ name: String) -> Bool {
            typealias Remove = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Int32
            guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "lremovexattr") else { return false }
            return unsafeBitCast(symbol, to: Remove.self)(source + "/" + relative, name) == 0
        }

        func attribute(_ relative: String, _ name: String, in stored: StoredSnapshot) throws -> String? {
            try node(relative, in: stored).xattrs.first { $0.nameBytes == Array(name.utf8) }.map { String(decoding: $0.value, as: UTF8.self) }
        }
    }

    /// The kernel stamps ctime from a clock that ticks every few milliseconds: a change in
    /// the same tick as the snapshot before would leave it alone. Tests wait one out.
    static func nextClockTick() { usleep(30_000) }

    @Test func anUnchangedTreeIsReusedWhole() throws {
        let scene = try Scene()
        try scene.write(["a/one.txt": Array("one".utf8), "a/b/two.txt": Array("two".utf8), "three.txt": Array("three".utf8)])
        let first = try scene.snapshot()
        let second = try scene.snapshot()
        // New are at most the trees above the source (the scratch directory holds the
        // repository, which the first snapshot changed).
        #expect(second.snapshot.summary.blobsAdded <= 3, "\(second.snapshot.summary)")
        #expect(second.snapshot.summary.filesUnchanged == 3)
        #expect(try scene.node("", in: second) == scene.node("", in: first))
        #expect(try scene.node("a", in: second) == scene.node("a", in: first))
        #expect(try scene.node("a/b", in: second).subtree == scene.node("a/b", in: first).subtree)
    }

    /// Setting or removing an attribute changes nothing but the ctime: a file or directory
    /// whose attributes were taken from the parent on size, mtime and inode alone would keep
    /// the old ones.
    @Test func aChangedAttributeIsRecorded() throws {
        let scene = try Scene()
        try scene.write(["dir/file.txt": Array("content".utf8), "dir/kept.txt": Array("kept".utf8)])
        guard scene.setAttribute("dir/file.txt", "user.tag", "old") else {
            try Test.cancel("the scratch file system has no user extended attributes")
        }
        try #require(scene.setAttribute("dir", "user.tag", "old") && scene.setAttribute("dir/kept.txt", "user.tag", "kept"))
        let first = try scene.snapshot()
        #expect(try scene.attribute("dir/file.txt", "user.tag", in: first) == "old")

        Self.nextClockTick()
        #expect(scene.setAttribute("dir/file.txt", "user.tag", "new"))
        #expect(scene.setAttribute("dir", "user.tag", "new"))
        let second = try scene.snapshot()
        #expect(try scene.attribute("dir/file.txt", "user.tag", in: second) == "new")
        #expect(try scene.attribute("dir", "user.tag", in: second) == "new")
        #expect(try scene.attribute("dir/kept.txt", "user.tag", in: second) == "kept", "an unchanged file keeps its attribute")
        #expect(try scene.node("dir/file.txt", in: second).content == scene.node("dir/file.txt", in: first).content)

        Self.nextClockTick()
        #expect(scene.removeAttribute("dir/file.txt", "user.tag"))
        let third = try scene.snapshot()
        #expect(try scene.attribute("dir/file.txt", "user.tag", in: third) == nil)
        #expect(try scene.attribute("dir", "user.tag", in: third) == "new")
    }

    /// A file changed five directories down changes no directory's own metadata above its
    /// own: every tree on its path must still be stored anew, and the trees beside it reused.
    @Test func aChangedFileDeepDownChangesEveryTreeAboveIt() throws {
        let scene = try Scene()
        let deep = "a/b/c/d/e/file.txt"
        try scene.write([deep: Array("before".utf8), "a/b/side/other.txt": Array("other".utf8)])
        let first = try scene.snapshot()

        Self.nextClockTick()
        let file = scene.source + "/" + deep
        let directoryBefore = try FileManager.default.attributesOfItem(atPath: scene.source + "/a/b/c/d/e")[.modificationDate] as? Date
        let handle = try #require(FileHandle(forWritingAtPath: file))
        try handle.write(contentsOf: Data("after!".utf8))
        try handle.close()
        let directoryAfter = try FileManager.default.attributesOfItem(atPath: scene.source + "/a/b/c/d/e")[.modificationDate] as? Date
        try #require(directoryBefore == directoryAfter, "an overwrite in place leaves the directory alone")

        let second = try scene.snapshot()
        #expect(second.snapshot.summary.filesChanged == 1)
        for directory in ["a", "a/b", "a/b/c", "a/b/c/d", "a/b/c/d/e"] {
            #expect(try scene.node(directory, in: second).subtree != scene.node(directory, in: first).subtree, "\(directory)")
        }
        #expect(try scene.node("a/b/side", in: second) == scene.node("a/b/side", in: first))
        let restored = try scene.world.reopen().loadBlob(try #require(try {
            if case .blob(let id) = try scene.node(deep, in: second).content.first { return id }
            return nil
        }()))
        #expect(restored == Array("after!".utf8))
    }

    /// A directory that lost an entry and kept the others unchanged, or gained one.
    @Test func aRemovedOrAddedEntryIsRecorded() throws {
        let scene = try Scene()
        try scene.write(["dir/one.txt": Array("1".utf8), "dir/two.txt": Array("2".utf8), "dir/three.txt": Array("3".utf8)])
        let first = try scene.snapshot()
        #expect(try scene.names(in: "dir", of: first) == ["one.txt", "three.txt", "two.txt"])

        try FileManager.default.removeItem(atPath: scene.source + "/dir/two.txt")
        let second = try scene.snapshot()
        #expect(try scene.names(in: "dir", of: second) == ["one.txt", "three.txt"])

        try Data("4".utf8).write(to: URL(fileURLWithPath: scene.source + "/dir/four.txt"))
        let third = try scene.snapshot()
        #expect(try scene.names(in: "dir", of: third) == ["four.txt", "one.txt", "three.txt"])

        // Replaced by another of the same name, size and times: a new inode.
        let kept = try FileManager.default.attributesOfItem(atPath: scene.source + "/dir/one.txt")
        try FileManager.default.removeItem(atPath: scene.source + "/dir/one.txt")
        try Data("9".utf8).write(to: URL(fileURLWithPath: scene.source + "/dir/one.txt"))
        try FileManager.default.setAttributes([.modificationDate: kept[.modificationDate]!], ofItemAtPath: scene.source + "/dir/one.txt")
        let fourth = try scene.snapshot()
        let node = try scene.node("dir/one.txt", in: fourth)
        guard case .blob(let id) = node.content.first else { Issue.record("no content"); return }
        #expect(try scene.world.reopen().loadBlob(id) == Array("9".utf8))
    }

    /// Packs lost behind the repository's back while a parent snapshot refers to them: the
    /// unchanged files' content and the unchanged trees are stored again, not referred to.
    @Test(arguments: [ObjectKind.dataPack, .treePack])
    func blobsOfMissingPacksAreStoredAgainUnderAParent(kind: ObjectKind) throws {
        let scene = try Scene()
        var generator = PruneFixtures.Generator(seed: 17)
        var files = PruneFixtures.Files()
        for i in 0..<6 { files["d\(i % 2)/f\(i).bin"] = PruneFixtures.random(30_000, &generator) }
        try scene.write(files)
        try scene.snapshot()
        for pack in try scene.world.backend.list(kind) { try scene.world.backend.delete(pack.name) }

        let second = try scene.snapshot()
        #expect(second.snapshot.summary.filesUnchanged == 0, "\(second.snapshot.summary)")
        #expect(second.snapshot.summary.bytesAdded > (kind == .dataPack ? 180_000 : 0), "\(second.snapshot.summary)")
        let check = try Checker(repository: try scene.world.reopen()).run(readData: .all)
        // The old index objects still list the lost packs: only they may be reported.
        let stored = try Restorer(repository: try scene.world.reopen(), options: RestoreOptions())
            .restore(second, to: scene.world.directory + "/restored")
        #expect(stored.problems.isEmpty, "\(stored.problems) \(check.problems)")
        PruneFixtures.expectSame(try PruneFixtures.readTree(scene.world.directory + "/restored" + scene.source), files,
                                 what: "snapshot after the loss")
    }

    /// A parent snapshot that raced a prune refers to blobs and trees only condemned packs
    /// hold (read from, never deduplicated against): the next snapshot stores them again,
    /// trees included, though every entry is unchanged and the parent's trees load.
    @Test func treesOfCondemnedPacksAreStoredAgainUnderAParent() throws {
        let scene = try Scene()
        var generator = PruneFixtures.Generator(seed: 18)
        try scene.write(["d/a.bin": PruneFixtures.random(40_000, &generator), "d/e/b.txt": PruneFixtures.text(5_000, &generator)])
        let old = try scene.snapshot()
        let stale = try scene.world.reopen()
        try scene.world.repository.forget([old])
        let pruning = try scene.world.reopen()
        let lock = try RepositoryLock.acquire(pruning, exclusive: true, operation: "prune")
        _ = try PruneFixtures.plantForeignLock(pruning)
        let report = try Pruner(repository: pruning, options: PruneOptions()).run(lock: lock)
        lock.release()
        try #require(report.condemnedPacks > 0)

        let raced = try scene.snapshot(with: stale)
        let fresh = try scene.world.reopen()
        let racedCondemned = try PrunerPruneTests.referencedBlobs(fresh, [raced]).filter { fresh.isOnlyCondemned($0) }
        try #require(racedCondemned.count >= 4, "the raced snapshot refers to condemned data and trees")

        let next = try scene.snapshot()
        #expect(next.snapshot.parent == raced.id)
        let after = try scene.world.reopen()
        let condemned = try PrunerPruneTests.referencedBlobs(after, [next]).filter { after.isOnlyCondemned($0) }
        #expect(condemned.isEmpty, "\(condemned.count) blobs of the new snapshot are only in condemned packs")
    }
}
