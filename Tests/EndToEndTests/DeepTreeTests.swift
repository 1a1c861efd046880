import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A tree 10,000 directories deep (issue 15, D8): deeper than any walk that recursed could go
/// (restore crashed with SIGSEGV past 6,081 levels), with paths five times PATH_MAX. Every
/// command that walks trees must loop instead, and keep only a bounded number of directories
/// open: each run here gets `ulimit -n 256`.
@Suite struct DeepTreeTests {
    static let depth = 10_000
    /// A small file every this many levels, and `bottom.txt` at the bottom.
    static let fileEvery = 2_500

    @Test func everyCommandWalksATenThousandLevelTree() throws {
        let workspace = try Workspace("deep")
        // The deep trees go to memory where it can hold them: on a disk, making, restoring
        // and removing 10,000 directories each takes longer than everything else here.
        let scratch = DeepTree.scratch() ?? workspace.root
        let source = scratch + "/src", target = scratch + "/restored"
        defer {
            // rm -rf takes many seconds a tree this deep; this takes a fraction of one.
            DeepTree.remove(at: source, depth: Self.depth)
            DeepTree.remove(at: restoredPath(of: source, in: target), depth: Self.depth)
            if scratch != workspace.root { _ = try? runProgram("/bin/rm", ["-rf", "--one-file-system", scratch], scratch: "/tmp") }
            workspace.remove()
        }
        workspace.wrapper = ["/bin/sh", "-c", "ulimit -n 256 && exec \"$0\" \"$@\""]
        try DeepTree.make(at: source, depth: Self.depth, fileEvery: Self.fileEvery, bottom: Array("bottom v1\n".utf8))
        try workspace.initRepository()
        let files = Self.depth / Self.fileEvery + 1
        // ls lists the directories above the source, the source, its directories and files.
        let lines = source.split(separator: "/").count + Self.depth + files

        let first = try workspace.repo("snapshot", "--json", source)
        try #require(first.status == 0, "\(first.err.suffix(2000))")
        let firstID = try #require(first.object["snapshot"] as? String, "\(first.out.suffix(2000))")
        #expect(int(first.object, "files_new") == files, "every file, however deep, was read: \(first.out.suffix(2000))")
        #expect((first.object["problems"] as? [String])?.isEmpty == true, "\(first.out.suffix(2000))")
        let firstPacks = Set(try DeepTree.dataPacks(in: workspace.repository))

        let restore = try workspace.repo("restore", firstID, "--target", target)
        #expect(restore.status == 0, "\(restore.err.suffix(2000))")
        #expect(try DeepTree.read(at: restoredPath(of: source, in: target), depth: Self.depth, "bottom.txt") == Array("bottom v1\n".utf8))
        #expect(try DeepTree.read(at: restoredPath(of: source, in: target), depth: Self.fileEvery, "level.txt")
            == Array("level \(Self.fileEvery)\n".utf8))

        let ls = try workspace.repo("ls", firstID)
        #expect(ls.status == 0, "\(ls.err.suffix(2000))")
        #expect(ls.stdoutLines.count == lines)
        #expect(ls.stdoutLines.contains { $0.hasSuffix("/d/bottom.txt") })

        // The bottom file changes: the diff names it and nothing else.
        try DeepTree.write(at: source, depth: Self.depth, "bottom.txt", Array("bottom v2, longer\n".utf8))
        let second = try workspace.repo("snapshot", "--json", source)
        try #require(second.status == 0, "\(second.err.suffix(2000))")
        let secondID = try #require(second.object["snapshot"] as? String)
        let diff = try workspace.repo("diff", firstID, secondID)
        #expect(diff.status == 0, "\(diff.err.suffix(2000))")
        let changes = diff.stdoutLines.filter { !$0.contains(" added, ") }
        #expect(changes.count == 1 && changes.first?.hasPrefix("M") == true && changes.first?.hasSuffix("/d/bottom.txt") == true)

        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "\(check)")
        let stats = try workspace.repo("stats", "--json")
        #expect(stats.status == 0 && int(stats.object, "files") == 2 * files, "\(stats)")
        let repair = try workspace.repo("repair", "snapshots")
        #expect(repair.status == 0 && repair.out.contains("2 snapshots checked, 0 needed repair"), "\(repair)")

        // copy to a second repository, which then lists the same tree.
        let copyTarget = workspace.path("copy")
        let asTarget: [String: String?] = ["REPO_REPOSITORY": copyTarget, "REPO_FROM_PASSWORD": workspace.password]
        #expect(try workspace.repo("init", environment: asTarget).status == 0)
        let copy = try workspace.repo("copy", "--from", workspace.repository, environment: asTarget)
        #expect(copy.status == 0, "\(copy.err.suffix(2000))")
        let copied = try workspace.repo("check", "--read-data", environment: asTarget)
        #expect(copied.status == 0 && copied.out.contains("2 snapshots, \(2 * (lines - files + 1))"), "\(copied)")

        // The second snapshot's new blob (the bottom file) is lost: repair rewrites every
        // tree from the bottom up, and the repaired snapshot (which replaces the second)
        // differs from the first only by that file.
        let secondPacks = Set(try DeepTree.dataPacks(in: workspace.repository)).subtracting(firstPacks)
        try #require(secondPacks.count == 1, "\(secondPacks)")
        let lost = try #require(secondPacks.first)
        #expect(unlink(lost) == 0)
        #expect(try workspace.repo("repair", "index").status == 0)
        let repaired = try workspace.repo("repair", "snapshots")
        #expect(repaired.status == 0 && repaired.out.contains("1 needed repair"), "\(repaired)")
        let listed = try workspace.repo("snapshots", "--json", "--tag", "repaired")
        let repairedID = try #require(listed.array.first?["id"] as? String, "\(listed)")
        let lostDiff = try workspace.repo("diff", firstID, repairedID)
        let removed = lostDiff.stdoutLines.filter { !$0.contains(" added, ") }
        #expect(removed.count == 1 && removed.first?.hasPrefix("-") == true && removed.first?.hasSuffix("/d/bottom.txt") == true,
                "\(lostDiff.err.suffix(2000))")
        #expect(try workspace.repo("check").status == 0)
    }
}

/// A chain of directories `d/d/d/…` too deep for any path to name its bottom: made and read
/// a directory at a time, with `openat`.
enum DeepTree {
    /// `depth` directories `d` under `root`, `level.txt` every `fileEvery` levels (saying
    /// which), and `bottom.txt` holding `bottom` in the deepest.
    static func make(at root: String, depth: Int, fileEvery: Int, bottom: [UInt8]) throws {
        try FS.mkdir(Array(root.utf8))
        var directory = try FS.check("open", Array(root.utf8)) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        for level in 1...depth {
            try FS.check("mkdirat", Array("d".utf8)) { [directory] in mkdirat(directory, $0, 0o755) }
            let next = try FS.check("openat", Array("d".utf8)) { [directory] in openat(directory, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            close(directory)
            directory = next
            if level % fileEvery == 0 { try write(in: directory, "level.txt", Array("level \(level)\n".utf8)) }
        }
        defer { close(directory) }
        try write(in: directory, "bottom.txt", bottom)
    }

    /// Replaces the file `name` at `depth` levels below `root`.
    static func write(at root: String, depth: Int, _ name: String, _ bytes: [UInt8]) throws {
        let directory = try descend(root, depth)
        defer { close(directory) }
        try write(in: directory, name, bytes)
    }

    /// The content of the file `name` at `depth` levels below `root`.
    static func read(at root: String, depth: Int, _ name: String) throws -> [UInt8] {
        let directory = try descend(root, depth)
        defer { close(directory) }
        let file = try FS.check("openat", Array(name.utf8)) { openat(directory, $0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        defer { close(file) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = Glibc.read(file, &buffer, buffer.count)
        return count < 0 ? [] : Array(buffer[..<count])
    }

    /// The data packs of a local repository.
    static func dataPacks(in repository: String) throws -> [String] {
        let data = repository + "/data"
        return try FileManager.default.contentsOfDirectory(atPath: data).flatMap { shard in
            try FileManager.default.contentsOfDirectory(atPath: data + "/" + shard).map { data + "/" + shard + "/" + $0 }
        }
    }

    /// A new directory in /dev/shm (memory), or nil where there is none to write to.
    static func scratch() -> String? {
        var template = Array("/dev/shm/repo-e2e-deep-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { return nil }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Removes what `make` made (and a restore of it), from the bottom up: each level's files,
    /// then `..` of it is opened and it is removed from there.
    static func remove(at root: String, depth: Int) {
        guard var directory = try? descend(root, depth) else { return }
        for _ in 0..<depth {
            for name in ["bottom.txt", "level.txt"] { _ = FS.with(Array(name.utf8)) { unlinkat(directory, $0, 0) } }
            let parent = FS.with(Array("..".utf8)) { openat(directory, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            close(directory)
            guard parent >= 0 else { return }
            directory = parent
            _ = FS.with(Array("d".utf8)) { unlinkat(directory, $0, AT_REMOVEDIR) }
        }
        close(directory)
    }

    private static func descend(_ root: String, _ depth: Int) throws -> Int32 {
        var directory = try FS.check("open", Array(root.utf8)) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        for _ in 0..<depth {
            let next = try FS.check("openat", Array("d".utf8)) { [directory] in openat(directory, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
            close(directory)
            directory = next
        }
        return directory
    }

    private static func write(in directory: Int32, _ name: String, _ bytes: [UInt8]) throws {
        let file = try FS.check("openat", Array(name.utf8)) { openat(directory, $0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { close(file) }
        try FS.writeAll(file, bytes, at: 0, path: Array(name.utf8))
    }
}
