import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 15, D4: a damaged blob can be cleared. `repair packs` takes damaged packs out
/// (keeping every blob that still reads), the next snapshot stores what was lost again,
/// and `repair snapshots` fixes what no source brings back.
@Suite struct RepairPacksTests {
    /// Blobs start after the pack's magic, version and salt.
    static let firstBlobOffset = 21

    /// A workspace with a repository (`initArguments` for `repo init`) and a generated source
    /// of many small files (a blob each, so that a pack holds many), snapshotted once.
    static func snapshotted(_ label: String, seed: UInt64, initArguments: [String] = []) throws -> (Workspace, String) {
        let workspace = try Workspace(label)
        let source = workspace.path("src")
        var spec = TreeSpec(seed: seed)
        spec.depth = 2
        spec.tinyFiles = 30
        spec.smallFileMaximum = 60_000
        spec.randomFileSizes = [700_000, 300_000]
        spec.textFileSizes = [200_000]
        spec.sparseSize = 0
        try TreeGenerator.generate(at: source, spec)
        let created = try workspace.repo(["init"] + initArguments)
        guard created.status == 0 else { throw HarnessError("repo init failed: \(created)") }
        let snapshot = try workspace.repo("snapshot", source)
        #expect(snapshot.status == 0, "\(snapshot)")
        return (workspace, source)
    }

    /// `repair packs --json` (with `arguments`): its pack lines, and its summary line.
    static func repairPacks(_ workspace: Workspace, _ arguments: String...) throws -> (status: Int32, packs: [[String: Any]], summary: [String: Any], run: RunResult) {
        let run = try workspace.repo(["repair", "packs", "--json"] + arguments)
        let lines = run.objectLines
        return (run.status, lines.filter { $0["message_type"] as? String == "pack" }, lines.last { $0["message_type"] as? String == "summary" } ?? [:], run)
    }

    /// What follows a repair: the source is snapshotted again (with `snapshotOptions`), then
    /// `repair snapshots` runs (its run returned); every byte then checks, the new snapshot
    /// restores as the source, and `repair packs` finds nothing more to do.
    static func snapshotAgainAndRepair(_ workspace: Workspace, _ source: String, _ snapshotOptions: [String]) throws -> RunResult {
        let again = try workspace.repo(["snapshot"] + snapshotOptions + [source])
        #expect(again.status == 0, "\(again)")
        let repairSnapshots = try workspace.repo("repair", "snapshots")
        #expect(repairSnapshots.status == 0, "\(repairSnapshots)")
        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "\(check)")
        try expectLatestRestores(workspace, source)
        let idle = try repairPacks(workspace)
        #expect(idle.status == 0 && idle.packs.isEmpty && int(idle.summary, "packs_repaired") == 0, "\(idle.run)")
        return repairSnapshots
    }

    /// Restores `snapshot` and expects it to be the source, byte for byte.
    static func expectRestores(_ workspace: Workspace, _ snapshot: String, _ source: String, into name: String) throws {
        let target = workspace.path(name)
        let restore = try workspace.repo("restore", snapshot, "--target", target)
        #expect(restore.status == 0, "\(restore)")
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
        #expect(differences.isEmpty, "\(report(differences))")
    }

    /// (1) and (5): one flipped byte inside a data blob. The blob is lost, the rest of its pack
    /// is kept; the next snapshot stores the blob again, which heals the old snapshot; a
    /// second run finds nothing, and a damaged pack left in no index (a repair killed between
    /// rewriting the index and deleting) is deleted by the next run.
    @Test func damagedDataBlobIsClearedAndStoredAgain() throws {
        let (workspace, source) = try Self.snapshotted("repair-packs-data", seed: 41)
        defer { workspace.remove() }
        let old = try #require(try snapshotList(workspace).first?["id"] as? String)
        let packs = try packFiles(in: workspace.repository + "/data")
        let damaged = try #require(packs.max { $0.size < $1.size })
        try flipBit(in: damaged.path, at: Self.firstBlobOffset + 40)
        let damagedBytes = try FS.readFile(Array(damaged.path.utf8))
        #expect(try workspace.repo("check", "--read-data").status == 13)

        let dryRun = try Self.repairPacks(workspace, "--dry-run")
        #expect(dryRun.status == 0, "\(dryRun.run)")
        #expect(dryRun.packs.count == 1 && dryRun.packs.first?["pack"] as? String == damaged.id, "\(dryRun.run)")
        #expect(FS.exists(Array(damaged.path.utf8)), "a dry run deletes nothing")
        #expect(try workspace.repo("check", "--read-data").status == 13, "a dry run changes nothing")

        let repair = try Self.repairPacks(workspace)
        #expect(repair.status == 0, "\(repair.run)")
        let line = try #require(repair.packs.first, "\(repair.run)")
        #expect(repair.packs.count == 1 && line["pack"] as? String == damaged.id && line["type"] as? String == "data", "\(repair.run)")
        let lost = (line["lost"] as? [String]) ?? []
        // The first blob alone, or every member of the first segment (new repositories
        // compress small files together).
        #expect(!lost.isEmpty, "one blob or segment lost: \(repair.run)")
        #expect(int(line, "salvaged") ?? 0 >= 1, "the other blobs are kept: \(repair.run)")
        #expect(int(repair.summary, "blobs_lost") == lost.count && int(repair.summary, "packs_deleted") == 1, "\(repair.run)")
        #expect(!FS.exists(Array(damaged.path.utf8)), "the damaged pack is deleted")
        let structural = try workspace.repo("check")
        #expect(structural.status == 13 && lost.allSatisfy { structural.combined.contains($0) },
                "the snapshot refers to the lost blob, which is no longer indexed: \(structural)")

        // A damaged pack in no index: deleted; its intact blobs are indexed elsewhere.
        try FS.writeFile(Array(damaged.path.utf8), damagedBytes, mode: 0o600)
        let leftover = try Self.repairPacks(workspace)
        #expect(leftover.status == 0 && leftover.packs.count == 1 && int(leftover.packs[0], "salvaged") == 0, "\(leftover.run)")
        #expect(!FS.exists(Array(damaged.path.utf8)), "\(leftover.run)")

        // (5) included: a last run finds nothing to do.
        let repairSnapshots = try Self.snapshotAgainAndRepair(workspace, source, ["--force"])
        #expect(repairSnapshots.out.contains("0 needed repair"), "the lost blob is stored again, so the old snapshot is whole: \(repairSnapshots)")
        try Self.expectRestores(workspace, old, source, into: "restore-old")
    }

    /// (1) without segments: the one blob at the flipped byte is lost, and only it.
    @Test func damagedBlobAloneIsTheOnlyOneLost() throws {
        let (workspace, _) = try Self.snapshotted("repair-packs-alone", seed: 43, initArguments: ["--segment-size", "0"])
        defer { workspace.remove() }
        let packs = try packFiles(in: workspace.repository + "/data")
        let damaged = try #require(packs.max { $0.size < $1.size })
        try flipBit(in: damaged.path, at: Self.firstBlobOffset + 40)
        let repair = try Self.repairPacks(workspace)
        #expect(repair.status == 0, "\(repair.run)")
        #expect(((repair.packs.first?["lost"] as? [String]) ?? []).count == 1, "one blob lost: \(repair.run)")
        #expect(int(repair.summary, "blobs_lost") == 1, "\(repair.run)")
    }

    /// (2) One flipped byte inside a tree blob: the directory's tree is lost and stored again
    /// by the next snapshot.
    @Test func damagedTreeBlobIsClearedAndStoredAgain() throws {
        let (workspace, source) = try Self.snapshotted("repair-packs-tree", seed: 42)
        defer { workspace.remove() }
        let damaged = try #require(try packFiles(in: workspace.repository + "/tree").max { $0.size < $1.size })
        try flipBit(in: damaged.path, at: Self.firstBlobOffset + 20)
        #expect(try workspace.repo("check", "--read-data").status == 13)

        let repair = try workspace.repo("repair", "packs")
        #expect(repair.status == 0, "\(repair)")
        #expect(repair.out.contains("pack \(damaged.id) (tree)") && repair.out.contains("lost 1 blobs (tree)"), "\(repair)")
        #expect(repair.out.contains("run `repo snapshot` again for the sources") && repair.out.contains("`repo repair snapshots`"),
                "what to do next: \(repair)")
        #expect(try workspace.repo("check").status == 13, "a snapshot refers to the lost tree")

        _ = try Self.snapshotAgainAndRepair(workspace, source, ["--force"])
    }

    /// (3) A pack deleted from disk, whose source has changed since: every blob of it is lost;
    /// the next snapshot stores the new content and `repair snapshots` removes the old file
    /// from the snapshot that referred to it.
    @Test func missingPackIsTakenOutOfTheIndex() throws {
        let workspace = try Workspace("repair-packs-missing")
        defer { workspace.remove() }
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/readme.txt").utf8), Array("still here\n".utf8))
        try workspace.initRepository()
        #expect(try workspace.repo("snapshot", source).status == 0)
        // media.bin's blobs go into a pack of their own.
        var random = SeededRandom(seed: 43)
        try FS.writeFile(Array((source + "/media.bin").utf8), random.bytes(3_000_000))
        #expect(try workspace.repo("snapshot", source).status == 0)
        let gone = try #require(try packFiles(in: workspace.repository + "/data").max { $0.size < $1.size })
        try FileManager.default.removeItem(atPath: gone.path)
        try FS.writeFile(Array((source + "/media.bin").utf8), random.bytes(2_000_000))
        #expect(try workspace.repo("check").status == 13)

        let repair = try Self.repairPacks(workspace)
        #expect(repair.status == 0, "\(repair.run)")
        let line = try #require(repair.packs.first, "\(repair.run)")
        #expect(repair.packs.count == 1 && line["pack"] as? String == gone.id, "\(repair.run)")
        #expect((line["problem"] as? String)?.contains("missing") == true && int(line, "salvaged") == 0, "\(repair.run)")
        #expect(((line["lost"] as? [String]) ?? []).count >= 1, "\(repair.run)")

        let repairSnapshots = try Self.snapshotAgainAndRepair(workspace, source, [])
        #expect(repairSnapshots.out.contains("media.bin") && repairSnapshots.out.contains("1 needed repair"),
                "the snapshot of the old media.bin loses it: \(repairSnapshots)")
    }

    /// (4) A damaged pack header: the index still knows where every blob is, so all are
    /// salvaged and nothing is lost. Packs are named by a prefix of their id; a wrong id is
    /// a usage error.
    @Test func damagedHeaderLosesNothing() throws {
        let (workspace, source) = try Self.snapshotted("repair-packs-header", seed: 44)
        defer { workspace.remove() }
        let damaged = try #require(try packFiles(in: workspace.repository + "/data").max { $0.size < $1.size })
        // The sealed header ends 4 bytes before the pack (its length follows it).
        try flipBit(in: damaged.path, at: damaged.size - 10)
        #expect(try workspace.repo("check", "--read-data").status == 13)

        #expect(try workspace.repo("repair", "packs", "not-hex").status == 2)
        #expect(try workspace.repo("repair", "packs", String(repeating: "f", count: 64)).status == 2)
        let repair = try Self.repairPacks(workspace, String(damaged.id.prefix(12)))
        #expect(repair.status == 0, "\(repair.run)")
        let line = try #require(repair.packs.first, "\(repair.run)")
        #expect(line["pack"] as? String == damaged.id && (line["lost"] as? [String])?.isEmpty == true, "\(repair.run)")
        #expect(int(line, "salvaged") ?? 0 >= 2, "\(repair.run)")
        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "nothing was lost: \(check)")
        try expectLatestRestores(workspace, source)
    }

    /// (6) SIGKILL at moments spread over a repair: a rerun completes, and the repository
    /// then checks clean and restores. Every pack header is damaged, so nothing is lost and
    /// the repair copies the whole repository.
    @Test func killedRepairIsCompletedByARerun() throws {
        let workspace = try Workspace("repair-packs-crash")
        defer { workspace.remove() }
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        var random = SeededRandom(seed: 46)
        for number in 0..<4 { try FS.writeFile(Array((source + "/file\(number).bin").utf8), random.bytes(3_000_000)) }
        #expect(try workspace.repo("init", "--pack-size", "1").status == 0)
        #expect(try workspace.repo("snapshot", source).status == 0)
        for pack in try packFiles(in: workspace.repository + "/data") { try flipBit(in: pack.path, at: pack.size - 10) }
        let template = workspace.path("damaged")
        func resetRepository() throws {
            _ = try runProgram("/bin/rm", ["-rf", workspace.repository], scratch: workspace.root)
            let copy = try runProgram("/bin/cp", ["-a", template, workspace.repository], scratch: workspace.root)
            guard copy.status == 0 else { throw HarnessError("cp failed: \(copy)") }
        }
        let saved = try runProgram("/bin/cp", ["-a", workspace.repository, template], scratch: workspace.root)
        try #require(saved.status == 0, "\(saved)")

        let start = Date()
        let measured = try workspace.repo("repair", "packs")
        let duration = elapsed(since: start)
        #expect(measured.status == 0, "\(measured)")

        let rounds = 6
        var killedMidway = 0
        for round in 0..<rounds {
            try resetRepository()
            // Round r dies in the r-th sixth of the run.
            let delay = duration * (Double(round) + Double.random(in: 0.1...0.9, using: &random)) / Double(rounds)
            let child = try workspace.start(["repair", "packs"])
            usleep(useconds_t(delay * 1_000_000))
            child.kill(SIGKILL)
            if child.wait(timeout: 60).signal == SIGKILL { killedMidway += 1 }

            let rerun = try workspace.repo("repair", "packs")
            #expect(rerun.status == 0, "round \(round), killed after \(String(format: "%.3f", delay)) s: \(rerun)")
            let check = try workspace.repo("check", "--read-data")
            #expect(check.status == 0, "round \(round), killed after \(String(format: "%.3f", delay)) s: \(check)")
            let idle = try Self.repairPacks(workspace)
            #expect(idle.status == 0 && idle.packs.isEmpty, "round \(round): \(idle.run)")
        }
        #expect(killedMidway >= rounds / 2, "most repairs should have been killed while running (\(killedMidway) of \(rounds); a run takes \(duration) s)")
        try expectLatestRestores(workspace, source)
    }
}
