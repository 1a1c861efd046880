import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Shows at most `limit` differences, one a line, for a failure message.
func report(_ differences: [String], limit: Int = 40) -> String {
    differences.prefix(limit).joined(separator: "\n") + (differences.count > limit ? "\n… and \(differences.count - limit) more" : "")
}

/// Restores the latest snapshot into `restore` in `workspace` (with `restoreOptions`),
/// expects the tree to equal `source` and `check --read-data` to pass; returns both runs.
@discardableResult
func expectLatestRestoresAndChecks(_ workspace: Workspace, source: String, restoreOptions: [String] = [],
                                   sourceLocation: SourceLocation = #_sourceLocation) throws -> (restore: RunResult, check: RunResult) {
    let target = workspace.path("restore")
    let restore = try workspace.repo(["restore", "latest", "--target", target] + restoreOptions)
    #expect(restore.status == 0, "\(restore)", sourceLocation: sourceLocation)
    let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
    #expect(differences.isEmpty, "restored tree differs:\n\(report(differences))", sourceLocation: sourceLocation)
    let check = try workspace.repo("check", "--read-data")
    #expect(check.status == 0, "\(check)", sourceLocation: sourceLocation)
    return (restore, check)
}

/// How many names of regular files below `root` are extra names of an inode already seen
/// (a file with three names counts 2).
func extraHardLinkNames(under root: String) throws -> Int {
    var seen = Set<[UInt64]>()
    var extra = 0
    for relative in try TreeGenerator.regularFiles(under: root) {
        let status = try FS.lstat(FS.join(Array(root.utf8), relative))
        if !seen.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted { extra += 1 }
    }
    return extra
}

/// The hard-linked files below `root`: how many inodes have more than one name, and their
/// total size (each inode once).
func hardLinkedInodes(under root: String) throws -> (count: Int, bytes: Int) {
    var seen = Set<[UInt64]>()
    var bytes = 0
    for relative in try TreeGenerator.regularFiles(under: root) {
        let status = try FS.lstat(FS.join(Array(root.utf8), relative))
        if status.st_nlink > 1, seen.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted { bytes += Int(status.st_size) }
    }
    return (seen.count, bytes)
}

@Suite struct RoundTripTests {
    /// 1. The full tree: every kind of entry, name and attribute comes back as it was.
    @Test func fullTreeRoundTrip() throws {
        let workspace = try Workspace("roundtrip")
        defer { workspace.remove() }
        let source = workspace.path("source")
        let tree = try TreeGenerator.generate(at: source, TreeSpec(seed: 1))
        #expect(tree.files.count > 2_000)
        try workspace.initRepository()

        let snapshot = try workspace.repo("snapshot", "--json", source)
        #expect(snapshot.status == 0, "\(snapshot)")
        #expect(snapshot.object["partial"] as? Bool == false, "\(snapshot)")
        #expect(int(snapshot.object, "files_new") == tree.files.count, "\(snapshot)")
        // --json output is JSON Lines: perhaps status lines, then the summary, last.
        #expect(snapshot.objectLines.count == snapshot.stdoutLines.count, "every line is a JSON object: \(snapshot)")
        #expect(snapshot.objectLines.last?["message_type"] as? String == "summary", "\(snapshot)")
        #expect(snapshot.objectLines.dropLast().allSatisfy { $0["message_type"] as? String == "status" }, "\(snapshot)")

        let (restore, _) = try expectLatestRestoresAndChecks(workspace, source: source, restoreOptions: ["--json"])
        #expect((restore.object["problems"] as? [Any])?.isEmpty == true, "\(restore)")
    }

    /// 3. Property: random trees from different seeds round-trip byte for byte.
    @Test func randomTreesRoundTrip() throws {
        let workspace = try Workspace("property")
        defer { workspace.remove() }
        try workspace.initRepository()
        var snapshots: [(UInt64, String, String)] = []  // seed, source, snapshot id
        for seed in UInt64(100)..<108 {
            let source = workspace.path("tree-\(seed)")
            try TreeGenerator.generate(at: source, TreeSpec.small(seed: seed))
            let snapshot = try workspace.repo("snapshot", "--json", source)
            #expect(snapshot.status == 0, "seed \(seed): \(snapshot)")
            guard let id = snapshot.object["snapshot"] as? String else {
                Issue.record("seed \(seed): no snapshot id in \(snapshot)")
                continue
            }
            snapshots.append((seed, source, id))
        }
        // Restore each by id only after all were taken: later snapshots must not disturb earlier ones.
        for (seed, source, id) in snapshots {
            let target = workspace.path("restore-\(seed)")
            let restore = try workspace.repo("restore", id, "--target", target)
            #expect(restore.status == 0, "seed \(seed): \(restore)")
            let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
            #expect(differences.isEmpty, "seed \(seed) (\(TreeSpec.small(seed: seed))):\n\(report(differences))")
        }
    }

    /// 4. A restore onto a tree that is already there rewrites only what differs.
    @Test func restoreOntoExistingTreeRewritesOnlyDifferences() throws {
        let workspace = try Workspace("rerestore")
        defer { workspace.remove() }
        let source = workspace.path("source")
        var spec = TreeSpec(seed: 4)
        spec.tinyFiles = 300
        spec.randomFileSizes = [900_000]
        spec.textFileSizes = [700_000]
        spec.sparseSize = 8 << 20
        let tree = try TreeGenerator.generate(at: source, spec)
        try workspace.initRepository()
        let snapshot = try workspace.repo("snapshot", source)
        #expect(snapshot.status == 0, "\(snapshot)")

        let target = workspace.path("restore")
        let restored = restoredPath(of: source, in: target)
        let first = try workspace.repo("restore", "latest", "--target", target, "--json")
        #expect(first.status == 0, "\(first)")
        let files = try #require(int(first.object, "files"), "\(first)")
        #expect(int(first.object, "bytes_written") ?? 0 > 1_000_000, "\(first)")
        #expect(TreeComparer.compare(source, restored).isEmpty)

        // Second restore into the same place: everything is already there. Files with several
        // names are the exception: the restorer never keeps an existing file that has other
        // hard links (it could be shared with something outside the target), so it rewrites
        // the hard-linked files it made itself; `reRestoreRewritesOnlyHardLinkedFiles` covers that.
        let extraNames = try extraHardLinkNames(under: source)
        let hardLinked = try hardLinkedInodes(under: source)
        #expect(hardLinked.count > 0, "the tree has hard links")
        let second = try workspace.repo("restore", "latest", "--target", target, "--json")
        #expect(second.status == 0, "\(second)")
        #expect(int(second.object, "files") == files, "\(second)")
        let unchanged2 = int(second.object, "files_unchanged") ?? -1
        let written2 = int(second.object, "bytes_written") ?? -1
        #expect(unchanged2 >= files - extraNames - hardLinked.count && unchanged2 <= files - extraNames,
                "all \(files - extraNames) distinct files are already there (\(hardLinked.count) hard-linked may be rewritten): \(second)")
        #expect(written2 >= 0 && written2 <= hardLinked.bytes, "~nothing written (at most the \(hardLinked.bytes) bytes of hard-linked files): \(second)")
        let afterSecond = TreeComparer.compare(source, restored)
        #expect(afterSecond.isEmpty, "after the second restore:\n\(report(afterSecond))")

        // Damage one restored file behind the restore's back (same size, same mtime).
        let victim = try #require(tree.textFiles.first)
        let victimPath = FS.join(Array(restored.utf8), victim)
        let before = try FS.lstat(victimPath)
        try FS.patch(victimPath, at: Int(before.st_size) / 2, Array("<<tampered>>".utf8))
        try FS.setTimes(victimPath, seconds: before.st_mtim.tv_sec, nanoseconds: before.st_mtim.tv_nsec)
        #expect(!TreeComparer.compare(source, restored).isEmpty, "the tampering must be visible to the comparer")

        let third = try workspace.repo("restore", "latest", "--target", target, "--json")
        #expect(third.status == 0, "\(third)")
        #expect(int(third.object, "files_unchanged") == unchanged2 - 1, "only the tampered file is rewritten (besides what the second restore rewrote): \(third)")
        #expect(int(third.object, "bytes_written") == Int(before.st_size) + written2, "the tampered file's \(before.st_size) bytes: \(third)")
        let afterThird = TreeComparer.compare(source, restored)
        #expect(afterThird.isEmpty, "after the third restore:\n\(report(afterThird))")

        // --verify into a fresh directory reads every written file back.
        let verifyTarget = workspace.path("verify")
        let verify = try workspace.repo("restore", "latest", "--target", verifyTarget, "--verify", "--json")
        #expect(verify.status == 0, "\(verify)")
        #expect(int(verify.object, "files_verified") ?? 0 > 0, "\(verify)")
        #expect(int(verify.object, "files_verified") == files - extraNames, "\(verify)")
        let verified = TreeComparer.compare(source, restoredPath(of: source, in: verifyTarget))
        #expect(verified.isEmpty, "after --verify:\n\(report(verified))")
    }

    /// 4b. Restoring onto an earlier restore rewrites only the files that differ, except
    /// hard-linked files, which are always rewritten (docs/guide.md): keeping an existing inode
    /// with other links would apply the snapshot's metadata to every name of that inode, one
    /// of which may have been planted to reach a file outside the target.
    @Test func reRestoreRewritesOnlyHardLinkedFiles() throws {
        let workspace = try Workspace("rerestore-links")
        defer { workspace.remove() }
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        var random = SeededRandom(seed: 41)
        try FS.writeFile(Array((source + "/plain").utf8), random.bytes(20_000))
        try FS.writeFile(Array((source + "/linked-a").utf8), random.bytes(30_000))
        try FS.link(Array((source + "/linked-a").utf8), Array((source + "/linked-b").utf8))
        try workspace.initRepository()
        #expect(try workspace.repo("snapshot", source).status == 0)
        let target = workspace.path("restore")
        let first = try workspace.repo("restore", "latest", "--target", target, "--json")
        #expect(first.status == 0 && int(first.object, "bytes_written") == 50_000, "\(first)")
        let second = try workspace.repo("restore", "latest", "--target", target, "--json")
        #expect(second.status == 0, "\(second)")
        #expect(int(second.object, "bytes_written") == 30_000, "only the hard-linked file is rewritten: \(second)")
        #expect(int(second.object, "files_unchanged") == 1, "\(second)")
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
        #expect(differences.isEmpty, "\(report(differences))")
    }
}
