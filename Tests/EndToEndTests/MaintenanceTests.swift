import Foundation
import Testing

/// forget by id, tag, and repair index, driven through the binary.
@Suite struct MaintenanceTests {
    @Test func tagForgetAndRepairIndex() throws {
        let workspace = try Workspace("maintenance")
        defer { workspace.remove() }
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        var random = SeededRandom(seed: 77)
        try FS.writeFile(Array((source + "/data.bin").utf8), random.bytes(2_000_000))
        try FS.writeFile(Array((source + "/notes.txt").utf8), Array(String(repeating: "a line of text\n", count: 20_000).utf8))
        try workspace.initRepository()
        #expect(try workspace.repo("snapshot", source).status == 0)
        #expect(try workspace.repo("snapshot", "--tag", "first", source).status == 0)

        // tag: a rewritten snapshot object, the old one gone.
        let tagged = try workspace.repo("tag", "--add", "nightly", "--remove", "first", "latest")
        #expect(tagged.status == 0, "\(tagged)")
        var list = try snapshotList(workspace)
        #expect(list.count == 2)
        #expect((list.last?["tags"] as? [String]) == ["nightly"], "\(list)")
        #expect(try workspace.repo("tag", "latest").status == 2, "tag without a change is a usage error")

        // repair index: remove every index object; check fails, repair rebuilds, check passes.
        let indexDirectory = workspace.repository + "/index"
        for name in try FileManager.default.contentsOfDirectory(atPath: indexDirectory) {
            try FileManager.default.removeItem(atPath: indexDirectory + "/" + name)
        }
        #expect(try workspace.repo("check").status == 13, "a lost index is damage")
        let repaired = try workspace.repo("repair", "index", "--json")
        #expect(repaired.status == 0, "\(repaired)")
        #expect(int(repaired.object, "blobs") ?? 0 > 2, "\(repaired)")
        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "\(check)")
        let target = workspace.path("restore")
        #expect(try workspace.repo("restore", "latest", "--target", target, "--verify").status == 0)
        #expect(TreeComparer.compare(source, restoredPath(of: source, in: target)).isEmpty)

        // forget by id prefix: the snapshot is gone, the other stays and still restores.
        let first = try #require(list.first?["id"] as? String)
        let dryRun = try workspace.repo("forget", "--dry-run", String(first.prefix(8)))
        let afterDryRun = try snapshotList(workspace)
        #expect(dryRun.status == 0 && afterDryRun.count == 2, "\(dryRun)")
        #expect(try workspace.repo("forget", String(first.prefix(8))).status == 0)
        list = try snapshotList(workspace)
        #expect(list.count == 1 && (list.first?["id"] as? String) != first, "\(list)")
        #expect(try workspace.repo("check").status == 0)
    }
}

/// forget with a retention policy, through the binary.
@Suite struct ForgetPolicyTests {
    @Test func dailyPolicyKeepsTheRightSnapshots() throws {
        let workspace = try Workspace("forget-policy")
        defer { workspace.remove() }
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/a").utf8), Array("content\n".utf8))
        try workspace.initRepository()
        // Two snapshots a day, 2024-07-01 .. 2024-07-10 (UTC).
        for day in 1...10 {
            for hour in ["02:00:00", "14:00:00"] {
                let time = String(format: "2024-07-%02dT%@Z", day, hour)
                #expect(try workspace.repo("snapshot", "--time", time, source).status == 0)
            }
        }
        // keep-last 0 alone keeps nothing: refused.
        #expect(try workspace.repo("forget", "--keep-last", "0").status == 2)
        #expect(try snapshotList(workspace).count == 20)

        // Daily 3 + weekly 2 (ISO weeks: 07-01..07-07 is 2024-W27, 07-08..07-14 is W28).
        let dryRun = try workspace.repo("forget", "--keep-daily", "3", "--keep-weekly", "2", "--utc", "--dry-run")
        #expect(dryRun.status == 0, "\(dryRun)")
        #expect(try snapshotList(workspace).count == 20, "a dry run removes nothing")
        let run = try workspace.repo("forget", "--keep-daily", "3", "--keep-weekly", "2", "--utc")
        #expect(run.status == 0, "\(run)")
        let kept = try snapshotList(workspace).compactMap { $0["time"] as? String }.map { String($0.prefix(13)) }
        // Newest of 07-10, 07-09, 07-08 (daily), and of W27 (07-07 14:00); W28's newest is 07-10's.
        #expect(kept == ["2024-07-07T14", "2024-07-08T14", "2024-07-09T14", "2024-07-10T14"], "\(kept)")
        #expect(try workspace.repo("check").status == 0)
    }
}

/// repair snapshots after data loss, through the binary.
@Suite struct RepairSnapshotsTests {
    @Test func lostPackLeavesTheRestRestorable() throws {
        let workspace = try Workspace("repair-snapshots")
        defer { workspace.remove() }
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.mkdir(Array((source + "/docs").utf8))
        try FS.writeFile(Array((source + "/docs/readme.txt").utf8), Array("still here\n".utf8))
        try workspace.initRepository()
        // The readme's blob goes into a first pack; media.bin's into a second one.
        #expect(try workspace.repo("snapshot", source).status == 0)
        var random = SeededRandom(seed: 5)
        try FS.writeFile(Array((source + "/media.bin").utf8), random.bytes(3_000_000))
        #expect(try workspace.repo("snapshot", source).status == 0)

        // Lose the largest data pack (the one holding media.bin), as a failing disk would.
        let data = workspace.repository + "/data"
        var largest = ("", -1)
        for shard in try FileManager.default.contentsOfDirectory(atPath: data) {
            for name in try FileManager.default.contentsOfDirectory(atPath: data + "/" + shard) {
                let path = data + "/" + shard + "/" + name
                let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                if size > largest.1 { largest = (path, size) }
            }
        }
        try FileManager.default.removeItem(atPath: largest.0)
        #expect(try workspace.repo("repair", "index").status == 0)
        #expect(try workspace.repo("check").status == 13, "a snapshot refers to lost data")

        let dryRun = try workspace.repo("repair", "snapshots", "--dry-run")
        #expect(dryRun.status == 0 && dryRun.out.contains("media.bin"), "\(dryRun)")
        #expect(try workspace.repo("check").status == 13, "a dry run changes nothing")
        let repaired = try workspace.repo("repair", "snapshots")
        #expect(repaired.status == 0, "\(repaired)")
        #expect(try workspace.repo("check", "--read-data").status == 0)

        let list = try snapshotList(workspace)
        #expect(list.count == 2)
        let repairedSnapshot = try #require(list.first { ($0["tags"] as? [String]) == ["repaired"] }, "\(list)")
        #expect((repairedSnapshot["problems"] as? [String])?.contains { $0.contains("media.bin") } == true, "\(list)")
        let target = workspace.path("restore")
        let repairedID = try #require(repairedSnapshot["id"] as? String)
        #expect(try workspace.repo("restore", repairedID, "--target", target).status == 0)
        let restored = restoredPath(of: source, in: target)
        #expect(FS.exists(Array((restored + "/docs/readme.txt").utf8)))
        #expect(!FS.exists(Array((restored + "/media.bin").utf8)))
    }
}
