import Foundation
import Testing

/// `dump latest PATH` and `ls latest PATH` take the newest snapshot that holds PATH, when
/// the repository holds snapshots of other paths too.
@Suite struct LatestContainingTests {
    @Test func latestIsTheNewestHoldingThePath() throws {
        let workspace = try Workspace("latest-containing")
        defer { workspace.remove() }
        try workspace.initRepository()
        let database = workspace.path("db"), web = workspace.path("web")
        try FS.mkdir(Array(database.utf8))
        try FS.mkdir(Array(web.utf8))
        try FS.writeFile(Array((database + "/db.sql").utf8), Array("old dump\n".utf8))
        try FS.writeFile(Array((web + "/index.html").utf8), Array("<html>\n".utf8))
        #expect(try workspace.repo("snapshot", database).status == 0)
        #expect(try workspace.repo("snapshot", web).status == 0)

        let dump = try workspace.repo("dump", "latest", database + "/db.sql")
        #expect(dump.status == 0, "\(dump)")
        #expect(dump.out == "old dump\n", "\(dump)")
        let ls = try workspace.repo("ls", "latest", database)
        #expect(ls.status == 0 && ls.stdoutLines == [database + "/db.sql"], "\(ls)")

        let nowhere = workspace.path("nowhere.sql")
        let missing = try workspace.repo("dump", "latest", nowhere)
        #expect(missing.status == 1, "a path in no snapshot is not a usage error: \(missing)")
        #expect(missing.stderrLines.count == 1, "\(missing)")
        #expect(missing.err.contains("no snapshot contains \(nowhere)") && missing.err.contains("repo snapshots"), "\(missing)")
        #expect(missing.err.contains("--path"), "suggests narrowing: \(missing)")

        let filtered = try workspace.repo("dump", "latest", database + "/db.sql", "--path", web)
        #expect(filtered.status == 1, "--path admits only the web snapshot: \(filtered)")
        let lsMissing = try workspace.repo("ls", "latest", nowhere)
        #expect(lsMissing.status == 1, "\(lsMissing)")
    }
}
