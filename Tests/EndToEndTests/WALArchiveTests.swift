import Foundation
import Testing

/// `repo wal push` and `repo wal fetch` as PostgreSQL calls them, without a server: what
/// they accept, refuse (exit codes 21 and 22) and remember between calls, and that prune
/// keeps the archived files' blobs.
@Suite struct WALArchiveTests {
    /// A pg_wal directory with `count` segments of random bytes, each marked ready.
    private func walDirectory(_ workspace: Workspace, count: Int, bytes: Int = 300_000) throws -> [String] {
        let directory = workspace.path("pg_wal")
        try FileManager.default.createDirectory(atPath: directory + "/archive_status", withIntermediateDirectories: true)
        return try (1...count).map { number in
            let name = String(format: "0000000100000000000000%02X", number)
            try Data((0..<bytes).map { _ in UInt8.random(in: 0...255) }).write(to: URL(fileURLWithPath: directory + "/" + name))
            FileManager.default.createFile(atPath: directory + "/archive_status/" + name + ".ready", contents: Data())
            return directory + "/" + name
        }
    }

    @Test func identicalPushIsAcceptedAndADifferentOneRefused() throws {
        let workspace = try Workspace("wal-push")
        defer { workspace.remove() }
        try workspace.initRepository()
        let files = try walDirectory(workspace, count: 1)
        let first = try workspace.repo("wal", "push", "--no-cache", files[0])
        #expect(first.status == 0, "\(first)")
        let again = try workspace.repo("wal", "push", "--no-cache", files[0])
        #expect(again.status == 0, "\(again)")
        let original = try Data(contentsOf: URL(fileURLWithPath: files[0]))
        try Data("another cluster's segment".utf8).write(to: URL(fileURLWithPath: files[0]))
        let conflict = try workspace.repo("wal", "push", "--no-cache", files[0])
        #expect(conflict.status == 21, "\(conflict)")
        #expect(conflict.err.contains("archived already with different content"), "\(conflict)")
        let fetched = try workspace.repo("wal", "fetch", "000000010000000000000001", workspace.path("fetched"))
        #expect(fetched.status == 0, "\(fetched)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: workspace.path("fetched"))) == original)
        let config = try String(contentsOfFile: workspace.repository + "/config", encoding: .utf8)
        #expect(config.contains("\"version\":4"), "\(config)")
    }

    @Test func fetchOfAMissingNameExits22AndWritesNothing() throws {
        let workspace = try Workspace("wal-fetch")
        defer { workspace.remove() }
        try workspace.initRepository()
        let missing = try workspace.repo("wal", "fetch", "00000001000000000000002A", workspace.path("out"))
        #expect(missing.status == 22, "\(missing)")
        #expect(!FileManager.default.fileExists(atPath: workspace.path("out")))
        let invalid = try workspace.repo("wal", "fetch", "../../etc/passwd", workspace.path("out"))
        #expect(invalid.status == 2, "\(invalid)")
    }

    @Test func aBatchArchivesTheReadyFilesAndLaterCallsReturnAtOnce() throws {
        let workspace = try Workspace("wal-batch")
        defer { workspace.remove() }
        try workspace.initRepository()
        let files = try walDirectory(workspace, count: 4)
        let first = try workspace.repo("wal", "push", files[0])
        #expect(first.status == 0, "\(first)")
        // Archived by the first call's batch: no repository session (a wrong password
        // would fail one), just the local note that they are durable.
        let wrong = ["REPO_PASSWORD": "not the password"]
        #expect(try workspace.repo(["wal", "push", files[1]], environment: wrong).status == 0)
        // Other bytes under a remembered name are never acknowledged from the note.
        try Data("changed".utf8).write(to: URL(fileURLWithPath: files[2]))
        let changed = try workspace.repo("wal", "push", files[2])
        #expect(changed.status == 21, "\(changed)")
        let listed = try workspace.repo("wal", "list")
        #expect(listed.stdoutLines.count == 4, "\(listed)")
    }

    @Test func pruneKeepsTheBlobsOfArchivedFiles() throws {
        let workspace = try Workspace("wal-prune")
        defer { workspace.remove() }
        try workspace.initRepository()
        let files = try walDirectory(workspace, count: 2)
        #expect(try workspace.repo("wal", "push", "--batch", "1", files[0]).status == 0)
        #expect(try workspace.repo("wal", "push", "--batch", "1", files[1]).status == 0)
        let prune = try workspace.repo("prune", "--grace", "0s", "--max-unused", "0")
        #expect(prune.status == 0, "\(prune)")
        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "\(check)")
        let fetched = try workspace.repo("wal", "fetch", "--no-cache", "000000010000000000000002", workspace.path("two"))
        #expect(fetched.status == 0, "\(fetched)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: workspace.path("two"))) == Data(contentsOf: URL(fileURLWithPath: files[1])))
    }
}
