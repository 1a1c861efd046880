import Foundation
@testable import Repo
import Testing

/// `Archiver.snapshot(command:name:)`, and finding the newest snapshot that holds a path.
@Suite struct CommandSnapshotTests {
    @Test func commandOutputIsSavedOnlyWhenItSucceeds() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        let archiver = Archiver(repository: repository, options: SnapshotOptions())
        let environment = ["PATH": "/usr/bin:/bin", "REPO_PASSWORD": "leaked"]

        let stored = try archiver.snapshot(command: ["sh", "-c", "printf \"dump$REPO_PASSWORD\""], name: "db.sql", environment: environment)
        #expect(stored.snapshot.paths == ["/db.sql"])
        #expect(stored.snapshot.summary.bytesRead == 4, "the child never saw REPO_PASSWORD")

        #expect(throws: SnapshotError.commandFailed(command: "sh", status: 4, stderrTail: "no connection")) {
            _ = try Archiver(repository: repository, options: SnapshotOptions())
                .snapshot(command: ["sh", "-c", "echo partial; echo no connection >&2; exit 4"], name: "db.sql", environment: environment)
        }
        #expect(throws: SnapshotError.self) {
            _ = try Archiver(repository: repository, options: SnapshotOptions())
                .snapshot(command: ["no-such-tool-repo-tests"], name: "db.sql", environment: environment)
        }
        #expect(try repository.snapshots().count == 1, "a failed command saves nothing")
    }

    @Test func latestWithAPathIsTheNewestHoldingIt() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        let environment = ["PATH": "/usr/bin:/bin"]
        let database = try Archiver(repository: repository, options: SnapshotOptions())
            .snapshot(command: ["echo", "rows"], name: "db.sql", environment: environment)
        Thread.sleep(forTimeInterval: 0.01)  // snapshots are ordered by time
        let web = try Archiver(repository: repository, options: SnapshotOptions())
            .snapshot(command: ["echo", "<html>"], name: "index.html", environment: environment)

        #expect(try repository.findSnapshot("latest", containing: "/db.sql").stored.id == database.id)
        #expect(try repository.findSnapshot("latest", containing: "/index.html").stored.id == web.id)
        #expect(throws: RepositoryError.noSnapshotContains("/nowhere")) { _ = try repository.findSnapshot("latest", containing: "/nowhere") }
        #expect(throws: RepositoryError.snapshotNotFound("latest")) {
            _ = try repository.findSnapshot("latest", containing: "/db.sql", filter: SnapshotFilter(tags: ["none"]))
        }
        #expect(throws: RepositoryError.pathNotInSnapshot(path: "/db.sql", snapshot: web.shortID)) {
            _ = try repository.findSnapshot(web.id, containing: "/db.sql")
        }
    }
}
