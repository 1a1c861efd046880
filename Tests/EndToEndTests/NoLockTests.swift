import Foundation
import Testing

/// D11 (issue 15): commands that only read work on a repository they cannot write, with
/// `--no-lock` and, without it, by reading without a lock after one note line. Tests run
/// as root, for whom `chmod a-w` stops nothing, so the unwritable repository is made by
/// replacing `locks/` with a file: writing `locks/ID` then fails with ENOTDIR, the same
/// path a read-only file system (EROFS) or a full disk (ENOSPC) takes.
@Suite struct NoLockTests {
    @Test func readingCommandsWorkWithoutWritingALock() throws {
        let workspace = try Workspace("no-lock")
        defer { workspace.remove() }
        try workspace.initRepository()
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/file").utf8), Array("kept\n".utf8))
        let snapshot = try workspace.repo("snapshot", "--json", source)
        try #require(snapshot.status == 0, "\(snapshot)")
        let id = try #require(snapshot.object["snapshot"] as? String)

        let locks = workspace.repository + "/locks"
        try FileManager.default.removeItem(atPath: locks)
        try FS.writeFile(Array(locks.utf8), Array("not a directory\n".utf8))

        for noLock in [["--no-lock"], []] {
            for arguments in [["snapshots"], ["ls", id], ["dump", id, source + "/file"], ["check"],
                              ["restore", id, "--target", workspace.path("restored-\(noLock.count)")]] {
                let result = try workspace.repo(noLock + arguments)
                #expect(result.status == 0, "\(noLock + arguments): \(result)")
                let notes = result.stderrLines.filter { $0.contains("reading without a lock") }
                #expect(notes.count == (noLock.isEmpty && ["check", "restore"].contains(arguments[0]) ? 1 : 0),
                        "\(noLock + arguments): \(result)")
            }
        }
        let restored = try String(contentsOfFile: restoredPath(of: source, in: workspace.path("restored-0")) + "/file", encoding: .utf8)
        #expect(restored == "kept\n")

        let writes = try workspace.repo("snapshot", source)
        #expect(writes.status != 0, "\(writes)")
        #expect(writes.err.contains("locks"), "names what it cannot write: \(writes)")
        let refused = try workspace.repo("snapshot", "--no-lock", source)
        #expect(refused.status == 2, "--no-lock is for commands that only read: \(refused)")
        #expect(refused.err.contains("--no-lock"), "\(refused)")
    }
}
