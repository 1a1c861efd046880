import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct PartialSnapshotTests {
    /// 7a. A file that cannot be opened: the snapshot is written, partial, exit 3, and the
    /// problem is named. As root nothing is unreadable, so `repo` runs as `nobody` (via
    /// setpriv, dropping every privilege) over a tree with a mode-000 file and directory.
    @Test(.enabled(if: geteuid() == 0 && access("/usr/bin/setpriv", X_OK) == 0, "needs root and setpriv to run repo as nobody"))
    func unreadableFileGivesPartialSnapshot() throws {
        let workspace = try Workspace("partial")
        defer { workspace.remove() }
        // Changing the uid from 0 to another clears every capability, so nobody is really nobody.
        workspace.wrapper = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/readable.txt").utf8), Array("fine\n".utf8))
        try FS.writeFile(Array((source + "/secret.txt").utf8), Array("top secret\n".utf8), mode: 0o000)
        try FS.mkdir(Array((source + "/locked").utf8), mode: 0o755)
        try FS.writeFile(Array((source + "/locked/inside.txt").utf8), Array("inside\n".utf8))
        try FS.chmod(Array((source + "/locked").utf8), 0o000)
        // Everything but the two unreadable entries belongs to nobody.
        let chown = try runProgram("/bin/chown", ["65534:65534", workspace.root, workspace.home, source, source + "/readable.txt"])
        #expect(chown.status == 0, "\(chown)")

        try workspace.initRepository()
        let snapshot = try workspace.repo("snapshot", source)
        #expect(snapshot.status == 3, "exit 3 for a partial snapshot: \(snapshot)")
        #expect(snapshot.err.contains("secret.txt"), "the unreadable file is named on stderr: \(snapshot.err)")

        let list = try snapshotList(workspace)
        #expect(list.count == 1, "the partial snapshot is written")
        let last = try #require(list.last)
        #expect(last["partial"] as? Bool == true, "\(last)")
        let problems = (last["problems"] as? [String]) ?? []
        #expect(problems.contains { $0.contains(source + "/secret.txt") }, "problems name the file: \(problems)")
        #expect(problems.contains { $0.contains(source + "/locked") }, "problems name the unreadable directory: \(problems)")

        let ls = try workspace.repo("ls", "latest")
        #expect(ls.stdoutLines.contains(source + "/readable.txt"), "the readable file is in the snapshot: \(ls)")
    }

    /// 7b. A read that fails after the open (EIO from /proc/PID/mem, even for root).
    @Test func readErrorGivesPartialSnapshot() throws {
        let workspace = try Workspace("readerror")
        defer { workspace.remove() }
        try workspace.initRepository()
        let sleeper = try ChildProcess(executable: "/bin/sleep", arguments: ["60"], environment: [:], stdin: .null, scratch: workspace.root)
        defer {
            sleeper.kill(SIGKILL)
            _ = sleeper.wait(timeout: 10)
        }
        let path = "/proc/\(sleeper.pid)/mem"
        try #require(FS.exists(Array(path.utf8)), "\(path) is there while the process runs")
        let snapshot = try workspace.repo("snapshot", "--json", path)
        #expect(snapshot.status == 3, "\(snapshot)")
        #expect(snapshot.object["partial"] as? Bool == true, "\(snapshot)")
        let list = try snapshotList(workspace)
        let last = try #require(list.last)
        #expect(last["partial"] as? Bool == true)
        #expect(((last["problems"] as? [String]) ?? []).contains { $0.contains(path) }, "\(last)")
    }
}

@Suite struct ErrorTests {
    /// 8. Wrong password, missing repository, newer format, usage errors and help: the right
    /// exit codes, one clear line, and the password never printed.
    @Test func errorsAndHelp() throws {
        let workspace = try Workspace("errors", password: "Secret-Pa55word-e2e-7f3a")
        defer { workspace.remove() }
        let wrongPassword = "Wrong-Pa55word-e2e-91b2"
        try workspace.initRepository()
        let source = workspace.path("src")
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/a").utf8), Array("a".utf8))
        var runs: [RunResult] = []

        let snapshot = try workspace.repo("snapshot", source)
        runs.append(snapshot)
        #expect(snapshot.status == 0, "\(snapshot)")

        // Wrong password.
        let wrong = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD": wrongPassword])
        runs.append(wrong)
        #expect(wrong.status == 12, "\(wrong)")
        #expect(wrong.stderrLines.count == 1, "one line: \(wrong)")
        #expect(wrong.err.lowercased().contains("password"), "\(wrong)")
        let wrongFile = workspace.path("wrong-password")
        try FS.writeFile(Array(wrongFile.utf8), Array((wrongPassword + "\n").utf8))
        let wrongFromFile = try workspace.repo(["snapshots", "--password-file", wrongFile], environment: ["REPO_PASSWORD": nil])
        runs.append(wrongFromFile)
        #expect(wrongFromFile.status == 12, "\(wrongFromFile)")

        // No repository there.
        let missing = workspace.path("no-such-repository")
        let notFound = try workspace.repo(["snapshots"], environment: ["REPO_REPOSITORY": missing])
        runs.append(notFound)
        #expect(notFound.status == 10, "\(notFound)")
        #expect(notFound.stderrLines.count == 1, "\(notFound)")
        #expect(notFound.err.contains(missing), "names the path: \(notFound)")

        // A repository of a newer format: refused before any password is asked for.
        let newer = workspace.path("newer")
        let copy = try runProgram("/bin/cp", ["-a", workspace.repository, newer])
        #expect(copy.status == 0)
        let configPath = newer + "/config"
        var config = try #require(try JSONSerialization.jsonObject(with: Data(FS.readFile(Array(configPath.utf8)))) as? [String: Any])
        config["version"] = 99
        try FS.writeFile(Array(configPath.utf8), Array(try JSONSerialization.data(withJSONObject: config)))
        for arguments in [["snapshots"], ["snapshot", source], ["check"], ["key", "list"]] {
            let result = try workspace.repo(arguments, environment: ["REPO_REPOSITORY": newer, "REPO_PASSWORD": nil],
                                            stdin: .closed, timeout: 30)
            runs.append(result)
            #expect(!result.timedOut, "must not wait for a password: \(result)")
            #expect(result.status == 14, "\(result)")
            #expect(result.stderrLines.count == 1, "\(result)")
            #expect(result.err.contains("99"), "names the version: \(result)")
        }

        // No password at all, no terminal: a clear error, not a hang.
        let noPassword = try workspace.repo(["snapshots"], environment: ["REPO_PASSWORD": nil], stdin: .closed, timeout: 30)
        runs.append(noPassword)
        #expect(!noPassword.timedOut && noPassword.status == 12, "\(noPassword)")

        // Unknown flag: exit 2, the flag named, the usage shown.
        let unknown = try workspace.repo("snapshot", "--frobnicate", source)
        runs.append(unknown)
        #expect(unknown.status == 2, "\(unknown)")
        #expect(unknown.err.contains("--frobnicate"), "\(unknown)")
        #expect(unknown.err.contains("usage: repo snapshot"), "\(unknown)")
        let unknownCommand = try workspace.repo("snapshotz")
        runs.append(unknownCommand)
        #expect(unknownCommand.status == 2, "\(unknownCommand)")
        #expect(unknownCommand.err.contains("snapshotz"), "\(unknownCommand)")
        let missingValue = try workspace.repo("snapshot", source, "--jobs")
        runs.append(missingValue)
        #expect(missingValue.status == 2 && missingValue.err.contains("--jobs"), "\(missingValue)")
        let badValue = try workspace.repo("snapshot", "--jobs", "many", source)
        runs.append(badValue)
        #expect(badValue.status == 2 && badValue.err.contains("--jobs"), "\(badValue)")

        // Help.
        let help = try workspace.repo("--help")
        runs.append(help)
        #expect(help.status == 0, "\(help)")
        for command in ["init", "snapshot", "snapshots", "ls", "diff", "dump", "restore", "check", "stats", "key"] {
            #expect(help.out.contains(command), "repo --help lists \(command)")
        }
        let snapshotHelp = try workspace.repo("snapshot", "--help")
        runs.append(snapshotHelp)
        #expect(snapshotHelp.status == 0, "\(snapshotHelp)")
        for flag in ["--exclude", "--exclude-file", "--exclude-if-present", "--one-file-system", "--tag", "--host", "--time",
                     "--parent", "--force", "--stdin", "--stdin-name", "--stdin-from-command", "--jobs",
                     "--repo", "--password-file", "--json"] {
            #expect(snapshotHelp.out.contains(flag), "repo snapshot --help mentions \(flag)")
        }

        for run in runs {
            #expect(!run.combined.contains(workspace.password), "the password appears in the output of \(run)")
            #expect(!run.combined.contains(wrongPassword), "the wrong password appears in the output of \(run)")
        }
    }
}
