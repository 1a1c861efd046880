import Foundation
import TestSupport
import Testing

// A repository whose data packs go to GLACIER (`--s3-storage-class`, here through
// REPO_S3_STORAGE_CLASS for every run), on moto: which models archive classes (a GET of an
// archived object is 403 InvalidObjectState) and RestoreObject. moto completes a restore as
// soon as it is requested (its default "immediate" state progression), so the state
// "restoring" is tested by the header parsing's unit tests (S3ArchiveHeadersTests) and by
// RepoTests' PackThawGateTests, and here a thaw is readable at the next look.

@Suite(.motoServer)
struct S3ColdTierTests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer.suiteServer()
    }

    /// A workspace on a fresh bucket whose runs all store data packs in GLACIER, initialised.
    private func glacierWorkspace(_ label: String) throws -> (Workspace, BucketRepository, location: String) {
        let bucket = try moto.makeBucket(label)
        let (workspace, location) = try s3Workspace(label, moto: moto, bucket: bucket)
        workspace.extraEnvironment["REPO_S3_STORAGE_CLASS"] = "GLACIER"
        try workspace.initRepository()
        return (workspace, BucketRepository(moto: moto, bucket: bucket), location)
    }

    /// Random files (incompressible, so each is its own share of a pack) under `directory`.
    private func writeFiles(_ directory: String, _ files: [String: Int], seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for (name, size) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    /// Data packs are GLACIER, everything else STANDARD; a restore stops on the archived packs
    /// with one line and exit 20 before writing anything; `--thaw --wait` thaws them, waits
    /// and restores every byte; a later restore needs no thaw (the copies are readable).
    @Test func restoreStopsOnArchivedPacksThenThawsAndWaits() throws {
        let (workspace, bucket, _) = try glacierWorkspace("cold-restore")
        defer { workspace.remove() }
        let source = workspace.path("source")
        try writeFiles(source, ["a.bin": 600_000, "dir/b.bin": 300_000, "dir/c.txt": 1_000], seed: 1)
        let snapshot = try workspace.repo("snapshot", source)
        #expect(snapshot.status == 0, "\(snapshot)")

        let prefix = bucket.prefix + "/"
        let dataKeys = try bucket.keys("data")
        #expect(!dataKeys.isEmpty)
        for key in dataKeys { #expect(try moto.storageClass(bucket: bucket.bucket, key: key) == "GLACIER", "\(key)") }
        var metadataKeys = [prefix + "config"]
        for directory in ["keys", "index", "snapshots", "tree"] { metadataKeys += try bucket.keys(directory) }
        #expect(metadataKeys.count >= 5, "\(metadataKeys)")
        for key in metadataKeys { #expect(try moto.storageClass(bucket: bucket.bucket, key: key) == "STANDARD", "\(key)") }

        let target = workspace.path("target")
        let refused = try workspace.repo("restore", "latest", "--target", target)
        #expect(refused.status == 20, "\(refused)")
        #expect(refused.stderrLines.count == 1, "\(refused)")
        #expect(refused.err.contains("\(dataKeys.count) \(dataKeys.count == 1 ? "pack" : "packs") (")
                && refused.err.contains("the restore needs") && refused.err.contains("archived in GLACIER; run again with --thaw"),
                "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: target), "nothing written")

        let thawed = try workspace.repo("restore", "latest", "--target", target, "--thaw", "--wait", environment: ["REPO_THAW_POLL": "1s"])
        #expect(thawed.status == 0, "\(thawed)")
        #expect(thawed.out.contains("thaw: requesting \(dataKeys.count) "), "\(thawed)")
        #expect(thawed.out.contains("tier bulk, kept 7 days"), "\(thawed)")
        #expect(thawed.out.contains("thaw: all \(dataKeys.count) packs readable"), "\(thawed)")
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
        #expect(differences.isEmpty, "\(report(differences))")

        // The thawed copies stay readable: a second restore reads them with no thaw.
        let again = try workspace.repo("restore", "latest", "--target", workspace.path("again"))
        #expect(again.status == 0, "\(again)")
        #expect(TreeComparer.compare(source, restoredPath(of: source, in: workspace.path("again"))).isEmpty)
    }

    /// `--thaw` without `--wait` asks for the restores, says how long they take and exits
    /// 20; the next run finds them readable and asks for nothing again.
    @Test func thawWithoutWaitAsksToRunAgain() throws {
        let (workspace, _, _) = try glacierWorkspace("cold-nowait")
        defer { workspace.remove() }
        let source = workspace.path("source")
        try writeFiles(source, ["x.bin": 200_000], seed: 2)
        #expect(try workspace.repo("snapshot", source).status == 0)

        let target = workspace.path("target")
        let requested = try workspace.repo("restore", "latest", "--target", target, "--thaw", "--thaw-tier", "standard", "--thaw-days", "3")
        #expect(requested.status == 20, "\(requested)")
        #expect(requested.out.contains("tier standard, kept 3 days"), "\(requested)")
        #expect(requested.err.contains("thaw requested: 1 pack, ") && requested.err.contains("run again in about 5 hours"), "\(requested)")
        #expect(!FileManager.default.fileExists(atPath: target), "nothing written")

        let second = try workspace.repo("restore", "latest", "--target", target, "--thaw")
        #expect(second.status == 0, "\(second)")
        #expect(!second.out.contains("thaw: requesting"), "nothing requested again: \(second)")
        #expect(TreeComparer.compare(source, restoredPath(of: source, in: target)).isEmpty)

        let misuse = try workspace.repo("restore", "latest", "--target", target, "--wait")
        #expect(misuse.status == 2, "\(misuse)")
    }

    /// `check` counts archived packs (not damage, exit 0); `--read-data` skips them with a note.
    @Test func checkCountsArchivedPacksAndReadDataSkipsThem() throws {
        let (workspace, bucket, _) = try glacierWorkspace("cold-check")
        defer { workspace.remove() }
        let source = workspace.path("source")
        try writeFiles(source, ["y.bin": 300_000, "z.bin": 100_000], seed: 3)
        #expect(try workspace.repo("snapshot", source).status == 0)
        let packs = try bucket.keys("data").count

        let check = try workspace.repo("check")
        #expect(check.status == 0, "\(check)")
        #expect(check.out.contains("\(packs) archived \(packs == 1 ? "pack" : "packs")") && check.out.contains("no problems found"), "\(check)")

        let json = try workspace.repo("check", "--json")
        #expect(int(json.object, "archived_packs") == packs, "\(json)")

        let readData = try workspace.repo("check", "--read-data")
        #expect(readData.status == 0, "\(readData)")
        #expect(readData.out.contains("skipped \(packs) archived \(packs == 1 ? "pack" : "packs") (") && readData.out.contains("thaw them to read"),
                "\(readData)")
    }

    /// prune deletes wholly unused archived packs, keeps partly used ones as they are (it
    /// would have to read them to repack) and says so; the data they hold stays restorable.
    @Test func pruneKeepsPartlyUsedArchivedPacksAndDeletesUnusedOnes() throws {
        let (workspace, bucket, _) = try glacierWorkspace("cold-prune")
        defer { workspace.remove() }
        let source = workspace.path("source"), other = workspace.path("other")
        try writeFiles(source, ["keep.bin": 400_000, "drop.bin": 400_000], seed: 4)
        try writeFiles(other, ["gone.bin": 300_000], seed: 5)
        #expect(try workspace.repo("snapshot", source).status == 0)
        #expect(try workspace.repo("snapshot", other).status == 0)
        let before = try bucket.keys("data")
        #expect(before.count == 2, "\(before)")
        try FileManager.default.removeItem(atPath: source + "/drop.bin")
        #expect(try workspace.repo("snapshot", source).status == 0)
        let ids = try snapshotList(workspace).compactMap { $0["id"] as? String }
        #expect(ids.count == 3)
        #expect(try workspace.repo("forget", ids[0], ids[1]).status == 0)

        let prune = try workspace.repo("prune")
        #expect(prune.status == 0, "\(prune)")
        #expect(prune.out.contains("kept 1 partly used archived packs (") && prune.out.contains("repacking needs them thawed"), "\(prune)")
        let after = try bucket.keys("data")
        #expect(after.count == 1 && after.isSubset(of: before), "the partly used pack stays as it was: \(after)")

        let target = workspace.path("target")
        let restored = try workspace.repo("restore", "latest", "--target", target, "--thaw", "--wait", environment: ["REPO_THAW_POLL": "1s"])
        #expect(restored.status == 0, "\(restored)")
        #expect(TreeComparer.compare(source, restoredPath(of: source, in: target)).isEmpty)
    }

    /// `copy` from a repository whose packs are archived stops before it sends anything,
    /// with one line and exit 20; `--thaw --wait` thaws them and copies.
    @Test func copyFromArchivedPacksSaysSo() throws {
        let (workspace, _, location) = try glacierWorkspace("cold-copy")
        defer { workspace.remove() }
        let source = workspace.path("source")
        try writeFiles(source, ["c.bin": 100_000], seed: 6)
        #expect(try workspace.repo("snapshot", source).status == 0)
        let copyTarget = workspace.path("copy-target")
        #expect(try workspace.repo(["init", "--repo", copyTarget], environment: ["REPO_S3_STORAGE_CLASS": nil]).status == 0)
        let copy = try workspace.repo(["copy", "--from", location, "--to", copyTarget])
        #expect(copy.status == 20, "\(copy)")
        #expect(copy.stderrLines.count == 1 && copy.err.contains("1 pack (") && copy.err.contains("the copy needs is archived in GLACIER; run again with --thaw"),
                "\(copy)")
        let listed = try workspace.repo(["snapshots", "--json", "--repo", copyTarget])
        #expect(listed.status == 0 && listed.array.isEmpty, "nothing copied: \(listed)")

        let thawed = try workspace.repo(["copy", "--from", location, "--to", copyTarget, "--thaw", "--wait"], environment: ["REPO_THAW_POLL": "1s"])
        #expect(thawed.status == 0, "\(thawed)")
        #expect(thawed.out.contains("thaw: requesting 1 pack, "), "\(thawed)")
        let target = workspace.path("target")
        #expect(try workspace.repo(["restore", "latest", "--repo", copyTarget, "--target", target]).status == 0)
        #expect(TreeComparer.compare(source, restoredPath(of: source, in: target)).isEmpty)
    }

    /// `db restore` and a drill of a job whose repository keeps its data packs in GLACIER:
    /// the same one line, and `db restore` exits 20 before the database is touched (the
    /// drill fails its step, exit 16).
    @Test func databaseRestoreAndDrillSayArchived() throws {
        let workspace = try jobWorkspace("cold-db")
        defer { workspace.remove() }
        let bucket = try moto.makeBucket("cold-db")
        let location = "s3:\(moto.endpoint)/\(bucket)/backups/host"
        workspace.extraEnvironment.merge(MotoServer.credentials) { $1 }
        try FileManager.default.createDirectory(atPath: workspace.path("app/files"), withIntermediateDirectories: true)
        try "a file".write(toFile: workspace.path("app/files/readme.txt"), atomically: true, encoding: .utf8)
        let created = try runProgram("/usr/bin/sqlite3", [workspace.path("app/app.db"),
            "create table events (id integer primary key, payload blob); "
            + "with recursive n(i) as (select 1 union all select i + 1 from n where i < 500) insert into events (payload) select randomblob(100) from n;"])
        #expect(created.status == 0, "\(created)")
        try workspace.writeJobFile("""
            [repository.main]
            location = "\(location)"
            password-file = "\(workspace.path("password"))"
            s3-storage-class = "GLACIER"

            [job.nightly]
            repository = "main"
            paths = ["\(workspace.path("app/files"))"]

            [[job.nightly.database]]
            type = "sqlite"
            name = "app"
            path = "\(workspace.path("app/app.db"))"

            [[job.nightly.drill]]
            database = "app"
            query = "select count(*) from events"
            expect = ">= 10"
            """)
        try workspace.initRepository(at: location)
        let run = try workspace.repo("run", "nightly", timeout: 300)
        #expect(run.status == 0, "\(run)")
        #expect(!(try moto.keys(bucket: bucket, prefix: "backups/host/data/")).isEmpty)

        let restoredFile = workspace.path("restored.db")
        let restore = try workspace.repo("db", "restore", "app", "--into", restoredFile)
        #expect(restore.status == 20, "\(restore)")
        #expect(restore.stderrLines.count == 1 && restore.err.contains("the database restore needs")
                && restore.err.contains("archived in GLACIER; thaw them first"), "\(restore)")
        #expect(!FileManager.default.fileExists(atPath: restoredFile))

        let drill = try workspace.repo("drill", "nightly", timeout: 300)
        #expect(drill.status == 16, "\(drill)")
        #expect(drill.combined.contains("archived in GLACIER"), "\(drill)")
    }
}
