import Foundation
import Testing

/// One snapshot per name, in order, of a directory `name` holding `file-<name>` ("content
/// of <name>\n").
func snapshotSmallDirectories(_ workspace: Workspace, _ names: [String]) throws {
    for name in names {
        let source = workspace.path(name)
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try Data("content of \(name)\n".utf8).write(to: URL(fileURLWithPath: source + "/file-\(name)"))
        let result = try workspace.repo("snapshot", source)
        #expect(result.status == 0, "\(result)")
    }
}

/// Issue 15 D9: one damaged snapshot object is reported and skipped; it does not block the
/// commands that work on the others.
@Suite struct DamagedSnapshotTests {
    @Test func damagedSnapshotIsSkippedAndCanBeForgotten() throws {
        let workspace = try Workspace("damaged-snapshot")
        defer { workspace.remove() }
        try workspace.initRepository()
        try snapshotSmallDirectories(workspace, ["a", "b"])
        let ids = try snapshotList(workspace).compactMap { $0["id"] as? String }
        try #require(ids.count == 2)
        let (bad, good) = (ids[0], ids[1])
        let object = workspace.repository + "/snapshots/" + bad
        let size = try #require(try FileManager.default.attributesOfItem(atPath: object)[.size] as? Int)
        try flipBit(in: object, at: size / 2)

        let list = try workspace.repo("snapshots")
        #expect(list.status == 13, "listed, but the damage is the exit status: \(list)")
        #expect(list.out.contains(String(good.prefix(8))) && !list.out.contains(String(bad.prefix(8))), "\(list)")
        #expect(list.stderrLines.count == 1 && list.err.contains("snapshots/\(bad) is damaged")
                && list.err.contains("repo forget \(bad.prefix(8))"), "\(list)")
        let json = try workspace.repo("snapshots", "--json")
        #expect(json.status == 13 && json.array.count == 1, "\(json)")

        let restore = try workspace.repo("restore", String(good.prefix(8)), "--target", workspace.path("restored"))
        #expect(restore.status == 0, "\(restore)")
        #expect(try String(contentsOfFile: workspace.path("restored") + workspace.path("b") + "/file-b", encoding: .utf8) == "content of b\n")
        let ls = try workspace.repo("ls", good)
        #expect(ls.status == 0 && ls.out.contains("file-b"), "\(ls)")
        let dump = try workspace.repo("dump", good, workspace.path("b") + "/file-b")
        #expect(dump.status == 0 && dump.out == "content of b\n", "\(dump)")
        let latest = try workspace.repo("ls", "latest")
        #expect(latest.status == 0, "\(latest)")
        let restoreBad = try workspace.repo("restore", bad, "--target", workspace.path("bad"))
        #expect(restoreBad.status == 13 && restoreBad.combined.contains("snapshots/\(bad)"), "\(restoreBad)")

        // A new snapshot still works (the damaged one cannot be its parent).
        let another = try workspace.repo("snapshot", workspace.path("b"))
        #expect(another.status == 0, "\(another)")

        let prune = try workspace.repo("prune")
        #expect(prune.status == 13 && prune.err.contains("snapshots/\(bad)") && prune.err.contains("repo forget"), "\(prune)")
        let check = try workspace.repo("check")
        #expect(check.status == 13 && check.combined.contains("snapshots/\(bad)"), "\(check)")
        let repair = try workspace.repo("repair", "snapshots")
        #expect(repair.status == 0 && repair.err.contains("snapshots/\(bad) is damaged"), "\(repair)")

        let forget = try workspace.repo("forget", String(bad.prefix(10)))
        #expect(forget.status == 0, "\(forget)")
        #expect(!FileManager.default.fileExists(atPath: object))
        let after = try workspace.repo("snapshots")
        #expect(after.status == 0 && after.err.isEmpty, "\(after)")
        let pruned = try workspace.repo("prune")
        #expect(pruned.status == 0, "\(pruned)")
        let clean = try workspace.repo("check", "--read-data")
        #expect(clean.status == 0, "\(clean)")
    }

    /// The commands that read every snapshot (stats, forget by policy, copy, a job's
    /// retention and status) work on the snapshots that load, name the damaged one, and
    /// exit 13, instead of refusing everything.
    @Test func commandsOverAllSnapshotsSkipTheDamagedOne() throws {
        let workspace = try Workspace("damaged-all")
        defer { workspace.remove() }
        try workspace.initRepository()
        try snapshotSmallDirectories(workspace, ["a", "b", "c"])
        try snapshotSmallDirectories(workspace, ["c"])
        let ids = try snapshotList(workspace).compactMap { $0["id"] as? String }
        try #require(ids.count == 4)
        let bad = ids[0]
        let object = workspace.repository + "/snapshots/" + bad
        let size = try #require(try FileManager.default.attributesOfItem(atPath: object)[.size] as? Int)
        try flipBit(in: object, at: size / 2)
        let named = { (result: RunResult) in result.err.contains("snapshots/\(bad) is damaged") }

        let stats = try workspace.repo("stats", "--json")
        #expect(stats.status == 13 && named(stats) && int(stats.object, "snapshots") == 3, "\(stats)")

        let target = workspace.path("copy-target")
        let initTarget = try workspace.repo("init", "--repo", target)
        try #require(initTarget.status == 0, "\(initTarget)")
        let copy = try workspace.repo("copy", "--from", workspace.repository, "--to", target)
        #expect(copy.status == 13 && copy.err.contains("source: snapshots/\(bad) is damaged"), "\(copy)")
        let copied = try workspace.repo("snapshots", "--json", "--repo", target)
        #expect(copied.status == 0 && copied.array.count == 3, "the three that load were copied: \(copied)")

        // keep-last 1 per path: b's and a's only snapshot stay, c keeps its newest; a's
        // damaged one is left alone.
        let forget = try workspace.repo("forget", "--keep-last", "1")
        #expect(forget.status == 13 && named(forget), "\(forget)")
        #expect(forget.out.contains("removed 1 snapshot(s)"), "\(forget)")
        #expect(FileManager.default.fileExists(atPath: object))
        let left = try workspace.repo("snapshots", "--json")
        #expect(left.array.count == 2, "\(left)")
    }
}
