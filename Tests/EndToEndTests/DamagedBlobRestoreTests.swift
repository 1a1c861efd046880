import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Issue 20: a restore that meets a damaged blob leaves every file that uses it in place,
/// at its full size, mode 0600, with what is intact written and the damaged range a hole;
/// hard links to such a file are made; the file is counted as failed, not restored, and
/// named; the restore exits 13. Blobs are damaged by flipping a byte of the first record of
/// a pack the test knows holds only what it wants damaged (a pack's records start after its
/// 21-byte preamble, "Packs" in docs/format.md).
@Suite struct DamagedBlobRestoreTests {
    /// Where a pack's first record starts (magic, version, salt: a pack of generation 0).
    static let firstRecord = 21

    /// A workspace with a repository of 1 MiB packs (`repo init --pack-size 1` and
    /// `initArguments`) and an empty source directory.
    private func makeWorkspace(_ label: String, _ initArguments: String...) throws -> (Workspace, String) {
        let workspace = try Workspace(label)
        let initialized = try workspace.repo(["init", "--pack-size", "1"] + initArguments)
        let source = workspace.path("src")
        guard initialized.status == 0, (try? FS.mkdir(Array(source.utf8))) != nil else {
            workspace.remove()
            throw HarnessError("init: \(initialized)")
        }
        return (workspace, source)
    }

    /// Whether `second` is a hard link to `first`, and they are the only two names.
    private func linked(_ first: String, _ second: String) throws -> Bool {
        let one = try FS.lstat(Array(first.utf8)), other = try FS.lstat(Array(second.utf8))
        return one.st_ino == other.st_ino && one.st_nlink == 2
    }

    /// The data packs a snapshot of `source` adds.
    private func snapshotAddingPacks(_ workspace: Workspace, _ source: String) throws -> [(path: String, id: String, size: Int)] {
        let before = Set(try packFiles(in: workspace.repository + "/data").map(\.id))
        let snapshot = try workspace.repo("snapshot", source)
        guard snapshot.status == 0 else { throw HarnessError("snapshot: \(snapshot)") }
        return try packFiles(in: workspace.repository + "/data").filter { !before.contains($0.id) }
    }

    private func restore(_ workspace: Workspace, _ target: String, json: Bool) throws -> RunResult {
        // No cache: what the repository holds is what is read.
        _ = try? runProgram("/bin/rm", ["-rf", workspace.cache], scratch: "/tmp")
        return try workspace.repo(["restore", "latest", "--target", workspace.path(target)] + (json ? ["--json"] : []))
    }

    /// Whether the workspace's file system keeps holes (a file set to 1 MiB without writing
    /// uses no blocks): only then can a restored hole be seen in `st_blocks`.
    private func keepsHoles(_ workspace: Workspace) throws -> Bool {
        let probe = workspace.path("hole-probe")
        try FS.writeFile(Array(probe.utf8), [])
        #expect(truncate(probe, 1 << 20) == 0)
        return try FS.lstat(Array(probe.utf8)).st_blocks == 0
    }

    /// The restored copy of a file whose blobs were all damaged: there, full size, 0600, zeros.
    private func expectAllHole(_ path: String, size: Int, sparse: Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let status = try FS.lstat(Array(path.utf8))
        #expect(status.st_mode & S_IFMT == S_IFREG && status.st_mode & 0o7777 == 0o600, "\(path): mode \(String(status.st_mode, radix: 8))",
                sourceLocation: sourceLocation)
        #expect(Int(status.st_size) == size, "\(path): the full size", sourceLocation: sourceLocation)
        #expect(try FS.readFile(Array(path.utf8)).allSatisfy { $0 == 0 }, "\(path): the damaged range reads as zeros",
                sourceLocation: sourceLocation)
        if sparse { #expect(status.st_blocks == 0, "\(path): the damaged range is a hole", sourceLocation: sourceLocation) }
    }

    /// Blobs stored alone: a file whose only blob is damaged, a hard link to it, a file of
    /// several blobs one of which is damaged, and an intact file.
    @Test func damagedBlobsLeavePartialFilesAndLinks() throws {
        let (workspace, source) = try makeWorkspace("damaged-blob-restore", "--segment-size", "0")
        defer { workspace.remove() }
        var random = SeededGenerator(seed: 20)

        // Each stage's snapshot writes packs holding only that stage's new file.
        let single = random.bytes(300_000)
        try FS.writeFile(Array((source + "/single.bin").utf8), single)
        let singlePacks = try snapshotAddingPacks(workspace, source)
        try #require(singlePacks.count == 1, "one blob, one pack: \(singlePacks)")
        // Random data is one chunk of 256 KiB to 4 MiB at a time: 6 MB is at least two, and
        // with 1 MiB packs each pack starts with one of them.
        let multi = random.bytes(6_000_000)
        try FS.writeFile(Array((source + "/multi.bin").utf8), multi)
        let multiPacks = try snapshotAddingPacks(workspace, source)
        try #require(multiPacks.count >= 2, "several blobs: \(multiPacks)")
        let intact = random.bytes(200_000)
        try FS.writeFile(Array((source + "/intact.bin").utf8), intact)
        try #require(link(source + "/single.bin", source + "/single-link.bin") == 0)
        _ = try snapshotAddingPacks(workspace, source)

        try flipBit(in: singlePacks[0].path, at: Self.firstRecord + 64)
        try flipBit(in: multiPacks[multiPacks.count / 2].path, at: Self.firstRecord + 64)

        let result = try restore(workspace, "restored", json: true)
        #expect(result.status == 13, "damage: \(result)")
        #expect(int(result.object, "files") == 1, "only the intact file is restored: \(result)")
        #expect(int(result.object, "files_failed") == 3, "the damaged file, its link and the partly damaged one: \(result)")
        #expect(int(result.object, "damaged_blobs") == 2, "\(result)")
        let problems = (result.object["problems"] as? [String]) ?? []
        for name in ["/single.bin", "/single-link.bin", "/multi.bin"] {
            #expect(problems.contains { $0.contains(source + name) }, "\(name) is named: \(problems)")
        }
        #expect(!problems.contains { $0.contains("intact.bin") }, "\(problems)")
        // Names are planned in order: single-link.bin is written, single.bin is the link.
        #expect(problems.contains("\(source)/single.bin: a hard link to \(source)/single-link.bin, which is incomplete"), "\(problems)")

        let restored = restoredPath(of: source, in: workspace.path("restored"))
        let sparse = try keepsHoles(workspace)
        try expectAllHole(restored + "/single.bin", size: single.count, sparse: sparse)
        #expect(try linked(restored + "/single-link.bin", restored + "/single.bin"), "the link is made, to the partial file")

        // The partly damaged file: intact ranges written, the damaged one a hole, full size.
        let partial = try FS.readFile(Array((restored + "/multi.bin").utf8))
        #expect(partial.count == multi.count, "the full size")
        let differing = partial.indices.filter { partial[$0] != multi[$0] }
        let damaged = try #require(differing.first.map { $0...differing.last! }, "a range is damaged")
        #expect(partial[damaged].allSatisfy { $0 == 0 }, "the damaged range reads as zeros")
        // Which chunk is arbitrary (packs are listed by id), but it is one: at most 4 MiB.
        #expect(damaged.count <= 4 << 20, "one chunk of several: \(damaged)")
        let status = try FS.lstat(Array((restored + "/multi.bin").utf8))
        #expect(status.st_mode & 0o7777 == 0o600, "mode \(String(status.st_mode, radix: 8))")
        if sparse {
            #expect(Int(status.st_blocks) * 512 <= multi.count - damaged.count + (64 << 10), "the damaged range is a hole: \(status.st_blocks) blocks")
        }

        let intactStatus = try FS.lstat(Array((restored + "/intact.bin").utf8))
        #expect(try FS.readFile(Array((restored + "/intact.bin").utf8)) == intact)
        #expect(intactStatus.st_mode & 0o7777 == 0o644, "an intact file gets its metadata")

        // Restored again over the partial files: they are not taken for right, and fail again.
        let again = try restore(workspace, "restored", json: true)
        #expect(again.status == 13, "\(again)")
        #expect(int(again.object, "files") == 1 && int(again.object, "files_unchanged") == 1 && int(again.object, "files_failed") == 3,
                "only the intact file is already there: \(again)")

        let text = try restore(workspace, "restored-text", json: false)
        #expect(text.status == 13, "\(text)")
        #expect(text.out.contains(": 1 files (0 already there), 3 failed,"), "\(text.out)")
        for name in ["/single.bin", "/single-link.bin", "/multi.bin"] {
            #expect(text.err.contains(source + name), "\(name) is named: \(text.err)")
        }
    }

    /// A blob not in the index (the index object of the snapshot that stored it removed;
    /// the last snapshot's trees are all in later ones): its file is made the same way.
    @Test func aBlobNotInTheIndexLeavesThePartialFileAndItsLink() throws {
        let (workspace, source) = try makeWorkspace("unindexed-blob-restore")
        defer { workspace.remove() }
        var random = SeededGenerator(seed: 21)
        let lost = random.bytes(300_000)
        try FS.writeFile(Array((source + "/lost.bin").utf8), lost)
        let indexes = { Set(try FS.list(Array((workspace.repository + "/index").utf8)).map { String(decoding: $0, as: UTF8.self) }) }
        let before = try indexes()
        _ = try snapshotAddingPacks(workspace, source)
        let firstIndexes = try indexes().subtracting(before)
        try #require(!firstIndexes.isEmpty)
        try #require(link(source + "/lost.bin", source + "/lost-link.bin") == 0)
        try FS.writeFile(Array((source + "/intact.bin").utf8), random.bytes(1000))
        _ = try snapshotAddingPacks(workspace, source)
        for name in firstIndexes { try FS.unlink(Array((workspace.repository + "/index/" + name).utf8)) }

        let result = try restore(workspace, "restored", json: true)
        #expect(result.status == 13, "damage: \(result)")
        #expect(int(result.object, "files") == 1 && int(result.object, "files_failed") == 2, "\(result)")
        let problems = (result.object["problems"] as? [String]) ?? []
        #expect(problems.contains { $0.hasPrefix(source + "/lost-link.bin: ") && $0.contains("not in the index") }, "\(problems)")
        let restored = restoredPath(of: source, in: workspace.path("restored"))
        try expectAllHole(restored + "/lost-link.bin", size: lost.count, sparse: try keepsHoles(workspace))
        #expect(try linked(restored + "/lost-link.bin", restored + "/lost.bin"), "the link is made, to the partial file")
    }

    /// Format version 3: small compressible files sealed together in one segment. Damaging
    /// it damages every member: each member's file is left the same way, and a link to one.
    @Test func aDamagedSegmentLeavesEveryMemberPartial() throws {
        let (workspace, source) = try makeWorkspace("damaged-segment-restore")
        defer { workspace.remove() }
        // About 12 KB each: one chunk (text chunks are at least 16 KiB).
        let names = ["a.txt", "b.txt", "c.txt"]
        var sizes: [String: Int] = [:]
        for name in names {
            let text = Array((0..<300).map { "\(name) line \($0) of a text that compresses\n" }.joined().utf8)
            sizes[name] = text.count
            try FS.writeFile(Array((source + "/" + name).utf8), text)
        }
        let segmentPacks = try snapshotAddingPacks(workspace, source)
        try #require(segmentPacks.count == 1, "\(segmentPacks)")
        try FS.writeFile(Array((source + "/intact.txt").utf8), Array("intact\n".utf8))
        try #require(link(source + "/c.txt", source + "/c-link.txt") == 0)
        _ = try snapshotAddingPacks(workspace, source)
        try flipBit(in: segmentPacks[0].path, at: Self.firstRecord + 64)

        let result = try restore(workspace, "restored", json: true)
        #expect(result.status == 13, "damage: \(result)")
        #expect(int(result.object, "files") == 1, "only the intact file is restored: \(result)")
        #expect(int(result.object, "files_failed") == 4, "the three members and the link: \(result)")
        #expect(int(result.object, "damaged_blobs") == 3, "every member is damaged: \(result)")
        let problems = (result.object["problems"] as? [String]) ?? []
        for name in names + ["c-link.txt"] {
            #expect(problems.contains { $0.contains(source + "/" + name) }, "\(name) is named: \(problems)")
        }
        #expect(problems.contains("\(source)/c.txt: a hard link to \(source)/c-link.txt, which is incomplete"), "\(problems)")
        let restored = restoredPath(of: source, in: workspace.path("restored"))
        let sparse = try keepsHoles(workspace)
        for name in names { try expectAllHole(restored + "/" + name, size: sizes[name]!, sparse: sparse) }
        #expect(try linked(restored + "/c-link.txt", restored + "/c.txt"), "the link is made, to the partial file")
        #expect(try FS.readFile(Array((restored + "/intact.txt").utf8)) == Array("intact\n".utf8))
    }
}
