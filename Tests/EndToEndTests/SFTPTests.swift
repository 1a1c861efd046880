import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

// `repo` against a real OpenSSH server (TestSupport's SSHServer) on a free loopback port,
// with its own host and user keys: the repository lives in the workspace's directory on
// "the server", reached over ssh through `--sftp-command` (or REPO_SFTP_COMMAND).

@Suite(.enabled(if: SSHServer.unavailableReason == nil, "needs OpenSSH's sshd and ssh (scripts/setup.sh installs them)"))
struct SFTPTests {
    /// A workspace whose repository is the directory `server-repository` in it, over SFTP.
    private func sftpWorkspace(_ label: String) throws -> (Workspace, SSHServer, location: String) {
        let workspace = try Workspace(label)
        let keys = workspace.path("ssh")
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        let server = try SSHServer.start(in: keys)
        let location = server.url(workspace.path("server-repository"))
        workspace.extraEnvironment = ["REPO_REPOSITORY": location, "REPO_SFTP_COMMAND": server.sftpCommand()]
        return (workspace, server, location)
    }

    /// init, two snapshots, restore compared byte for byte, check --read-data, forget
    /// --prune, and copy to a local repository that restores the same tree.
    @Test func roundTripOverSFTP() throws {
        let (workspace, server, location) = try sftpWorkspace("sftp-roundtrip")
        defer { server.stop(); workspace.remove() }
        let source = workspace.path("source")
        var spec = TreeSpec.small(seed: 18)
        spec.randomFileSizes = [3_000_000]
        try TreeGenerator.generate(at: source, spec)

        // The command given as an option, not only through the environment.
        let initialized = try workspace.repo(["init", "--sftp-command", server.sftpCommand()], environment: ["REPO_SFTP_COMMAND": nil])
        try #require(initialized.status == 0, "\(initialized)")
        let onServer = workspace.path("server-repository")
        #expect(FileManager.default.fileExists(atPath: "\(onServer)/config"))
        #expect(FileManager.default.fileExists(atPath: "\(onServer)/data/00"))

        let first = try workspace.repo("snapshot", "--json", source)
        try #require(first.status == 0, "\(first)")
        try TreeGenerator.generate(at: workspace.path("source/more"), TreeSpec.small(seed: 19))
        let second = try workspace.repo("snapshot", "--json", source)
        try #require(second.status == 0, "\(second)")
        let (_, check) = try expectLatestRestoresAndChecks(workspace, source: source)
        #expect(!check.combined.contains(workspace.password))

        let forget = try workspace.repo("forget", "--keep-last", "1", "--prune")
        #expect(forget.status == 0, "\(forget)")
        #expect(try snapshotList(workspace).count == 1)
        let checkAfterPrune = try workspace.repo("check", "--read-data")
        #expect(checkAfterPrune.status == 0, "\(checkAfterPrune)")

        let local = workspace.path("local-copy")
        let initLocal = try workspace.repo("init", "--repo", local)
        try #require(initLocal.status == 0, "\(initLocal)")
        let copy = try workspace.repo("copy", "--from", location, "--to", local,
                                      environment: ["REPO_FROM_PASSWORD": workspace.password])
        try #require(copy.status == 0, "\(copy)")
        let target = workspace.path("restore-local")
        let restore = try workspace.repo("restore", "latest", "--repo", local, "--target", target)
        #expect(restore.status == 0, "\(restore)")
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
        #expect(differences.isEmpty, "the local copy does not restore to the source tree:\n\(report(differences))")
    }

    /// ssh killed while a snapshot writes packs: the backend connects again, the request is
    /// tried again, and the snapshot completes and restores.
    @Test func snapshotSurvivesADroppedConnection() throws {
        let (workspace, server, _) = try sftpWorkspace("sftp-drop")
        defer { server.stop(); workspace.remove() }
        let source = workspace.path("source")
        var spec = TreeSpec.small(seed: 20)
        spec.randomFileSizes = [30_000_000, 30_000_000, 20_000_000]
        try TreeGenerator.generate(at: source, spec)
        try workspace.initRepository()

        // Each connection's ssh writes its pid (it execs ssh) before it starts.
        let pids = workspace.path("ssh-pids")
        let wrapper = workspace.path("ssh-wrapper.sh")
        try "echo $$ >> \(pids)\nexec \(server.sftpCommand())\n".write(toFile: wrapper, atomically: true, encoding: .utf8)
        let run = try workspace.start(["snapshot", "--json", source], environment: ["REPO_SFTP_COMMAND": "sh \(wrapper)"])
        let data = workspace.path("server-repository/data")
        let deadline = Date().addingTimeInterval(120)
        var cut = false
        while !cut && Date() < deadline {
            // The first pack being written (or written) on the server: cut the connection.
            let entries = (FileManager.default.enumerator(atPath: data)?.allObjects as? [String]) ?? []
            if entries.contains(where: { $0.split(separator: "/").count == 2 }),
               let text = try? String(contentsOfFile: pids, encoding: .utf8), let last = text.split(separator: "\n").last,
               let pid = pid_t(last) {
                kill(pid, SIGKILL)
                cut = true
            } else {
                usleep(5_000)
            }
        }
        let result = run.wait(timeout: 300)
        #expect(cut, "no pack appeared on the server")
        #expect(result.status == 0, "\(result)")
        let connections = (try? String(contentsOfFile: pids, encoding: .utf8))?.split(separator: "\n").count ?? 0
        #expect(connections >= 2, "the snapshot reconnected: \(connections) connections")
        _ = try expectLatestRestoresAndChecks(workspace, source: source)
    }

    /// The server gone for longer than the retry budget: the store did not answer, exit 19.
    @Test func aServerThatStaysDownEndsWithExit19() throws {
        let (workspace, server, _) = try sftpWorkspace("sftp-down")
        defer { workspace.remove() }
        try workspace.initRepository()
        server.stop()
        let result = try workspace.repo("snapshots", "--retry-budget", "2s")
        #expect(result.status == 19, "\(result)")
        #expect(result.stderrLines.count == 1, "\(result)")
        #expect(result.err.contains("did not answer") && result.err.contains("retry budget 2s"), "\(result)")
    }

    /// known_hosts holding another key for the server: one line naming the host and what to
    /// do, exit 1, at once (no retries).
    @Test func hostKeyMismatchIsOneLine() throws {
        let (workspace, server, _) = try sftpWorkspace("sftp-hostkey")
        defer { server.stop(); workspace.remove() }
        let started = Date()
        let result = try workspace.repo("init", environment: ["REPO_SFTP_COMMAND": server.sftpCommand(knownHosts: server.wrongKnownHosts)])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderrLines.count == 1, "\(result)")
        #expect(result.err.contains("host key of \(server.user)@127.0.0.1 does not match"), "\(result)")
        #expect(result.err.contains("known_hosts"), "\(result)")
        #expect(Date().timeIntervalSince(started) < 15, "no retries")
    }

    /// A key the server does not authorize: one line, exit 1, no retries.
    @Test func refusedAuthenticationIsOneLine() throws {
        let (workspace, server, _) = try sftpWorkspace("sftp-auth")
        defer { server.stop(); workspace.remove() }
        let started = Date()
        let result = try workspace.repo("snapshots", environment: ["REPO_SFTP_COMMAND": server.sftpCommand(identity: server.strangerKey)])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderrLines.count == 1, "\(result)")
        #expect(result.err.contains("refused authentication"), "\(result)")
        #expect(Date().timeIntervalSince(started) < 15, "no retries")
    }
}
