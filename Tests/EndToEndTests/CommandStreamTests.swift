import Foundation
import Testing

/// `--stdin-from-command`: the command is everything after `--`, runs without repo's
/// secrets, and a failure says why.
@Suite struct CommandStreamTests {
    @Test func wordsBeforeDashDashAreRefused() throws {
        let workspace = try Workspace("command-words")
        defer { workspace.remove() }
        try workspace.initRepository()
        // `--time` takes one word: `02:00:00` once silently became the program.
        let stray = try workspace.repo("snapshot", "--stdin-from-command", "--time", "2026-12-09", "02:00:00", "--", "echo", "hi")
        #expect(stray.status == 2, "\(stray)")
        #expect(stray.err.contains("unexpected argument `02:00:00` before `--`"), "\(stray)")
        let noDashDash = try workspace.repo("snapshot", "--stdin-from-command", "echo", "hi")
        #expect(noDashDash.status == 2, "the command needs `--` before it: \(noDashDash)")
        #expect(noDashDash.err.contains("--"), "\(noDashDash)")
        let nothingAfter = try workspace.repo("snapshot", "--stdin-from-command", "--")
        #expect(nothingAfter.status == 2, "\(nothingAfter)")
        #expect(try snapshotList(workspace).isEmpty, "no snapshot written")

        let quoted = try workspace.repo("snapshot", "--stdin-from-command", "--time", "2026-12-09 02:00:00", "--stdin-name", "x.txt",
                                        "--", "echo", "hi")
        #expect(quoted.status == 0, "\(quoted)")
    }

    @Test func failureNamesStatusAndStderr() throws {
        let workspace = try Workspace("command-fails")
        defer { workspace.remove() }
        try workspace.initRepository()
        let failing = try workspace.repo("snapshot", "--stdin-from-command", "--", "sh", "-c", "echo data; echo connection refused >&2; exit 4")
        #expect(failing.status == 15, "\(failing)")
        #expect(failing.err.contains("status 4") && failing.err.contains("connection refused"), "\(failing)")
        let missing = try workspace.repo("snapshot", "--stdin-from-command", "--", "no-such-dump-tool-e2e")
        #expect(missing.status == 15, "\(missing)")
        #expect(missing.stderrLines.count == 1 && missing.err.contains("no-such-dump-tool-e2e"), "\(missing)")
        #expect(try snapshotList(workspace).isEmpty, "no snapshot written")
    }

    /// Item 5: a `-- env` snapshot holds none of repo's secrets.
    @Test func commandSeesNoSecrets() throws {
        let workspace = try Workspace("command-env")
        defer { workspace.remove() }
        try workspace.initRepository()
        let secrets = SecretEnvironment()
        let snapshot = try workspace.repo(["snapshot", "--stdin-from-command", "--stdin-name", "env.txt", "--", "env"],
                                         environment: secrets.variables)
        #expect(snapshot.status == 0, "\(snapshot)")
        let dump = try workspace.repo("dump", "latest", "/env.txt")
        #expect(dump.status == 0, "\(dump)")
        #expect(dump.out.contains("PATH="), "the command got an environment: \(dump.out)")
        let leaks = secrets.leaks(in: dump.out, password: workspace.password)
        #expect(leaks.isEmpty, "the command saw \(leaks)")
    }
}
