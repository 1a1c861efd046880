import Foundation
import TestSupport
import Testing

/// `repo` against a store that accepts connections and never answers (a listening socket
/// nothing reads): the command ends within the idle timeout per try, with one line naming the
/// store and what to do, instead of a minute per try.
@Suite struct S3IdleStoreTests {
    @Test func aSilentStoreEndsTheCommandWithOneLine() throws {
        let silent = try LoopbackSocket.listen()
        let location = "s3:http://127.0.0.1:\(silent.localPort)/bucket/backups"
        let workspace = try Workspace("s3-idle")
        workspace.extraEnvironment = MotoServer.credentials.merging(["REPO_REPOSITORY": location]) { a, _ in a }

        let result = try workspace.repo(["snapshots"], environment: ["REPO_S3_IDLE_TIMEOUT": "1s", "REPO_S3_MAX_ATTEMPTS": "3"], timeout: 60)
        #expect(result.status == 19 && !result.timedOut, "store unreachable, try later: \(result)")
        #expect(result.seconds < 10, "3 tries of 1 s: \(result)")
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1, "\(result)")
        #expect(result.err.contains("the store at \(location) did not answer GET config for ")
                && result.err.contains("(3 attempts, retry budget 10m; last: 127.0.0.1 did not answer in time")
                && result.err.hasSuffix("check the endpoint, or raise REPO_S3_IDLE_TIMEOUT (now 1s)\n"), "\(result)")

        let bad = try workspace.repo(["snapshots"], environment: ["REPO_S3_IDLE_TIMEOUT": "soon"], timeout: 60)
        #expect(bad.status == 1 && bad.seconds < 10 && bad.err.contains("REPO_S3_IDLE_TIMEOUT=\"soon\" is not a duration"), "\(bad)")
    }

    /// Nothing listens at the endpoint (connection refused on every try): exit 19, "try
    /// again later", not 1, so a monitor can tell a network outage from a broken backup.
    @Test func aStoreThatRefusesConnectionsExits19() throws {
        let closedPort = try LoopbackSocket.listen().localPort  // closed again when released
        let location = "s3:http://127.0.0.1:\(closedPort)/bucket/backups"
        let workspace = try Workspace("s3-refused")
        defer { workspace.remove() }
        workspace.extraEnvironment = MotoServer.credentials.merging(["REPO_REPOSITORY": location]) { a, _ in a }
        let result = try workspace.repo(["snapshots"], environment: ["REPO_S3_MAX_ATTEMPTS": "2"], timeout: 60)
        #expect(result.status == 19 && result.stderrLines.count == 1, "\(result)")
        #expect(result.err.contains("(2 attempts, retry budget 10m; last: cannot connect to 127.0.0.1: Connection refused)")
                && result.err.contains("try again"), "\(result)")
    }

    /// `--retry-budget` (over REPO_RETRY_BUDGET) bounds how long a refused store is tried;
    /// `--verbose` shows each wait on a line of its own; a budget that is no duration is a
    /// usage error.
    @Test func theRetryBudgetBoundsTheCommand() throws {
        let closedPort = try LoopbackSocket.freePort()
        let location = "s3:http://127.0.0.1:\(closedPort)/bucket/backups"
        let workspace = try Workspace("s3-budget")
        defer { workspace.remove() }
        workspace.extraEnvironment = MotoServer.credentials.merging(["REPO_REPOSITORY": location]) { a, _ in a }

        let given = try workspace.repo(["snapshots", "--retry-budget", "2s", "--verbose"], environment: ["REPO_RETRY_BUDGET": "1h"], timeout: 60)
        #expect(given.status == 19 && given.seconds >= 2 && given.seconds < 6, "\(given)")
        let waits = given.stderrLines.filter { $0.hasPrefix("repo: GET config: cannot connect to 127.0.0.1: Connection refused (attempt ") }
        #expect(waits.count >= 3 && waits.allSatisfy { $0.contains("); next try in ") && $0.hasSuffix(" s") }, "\(given)")
        #expect(given.err.contains("did not answer GET config for 2.0s (\(waits.count + 1) attempts, retry budget 2s; last: cannot connect"),
                "\(given)")

        let fromEnvironment = try workspace.repo(["snapshots"], environment: ["REPO_RETRY_BUDGET": "1s"], timeout: 60)
        #expect(fromEnvironment.status == 19 && fromEnvironment.stderrLines.count == 1 && fromEnvironment.err.contains("retry budget 1s"),
                "\(fromEnvironment)")
        let never = try workspace.repo(["snapshots", "--retry-budget", "0"], timeout: 60)
        #expect(never.status == 19 && never.seconds < 3 && never.err.contains("(1 attempt, retry budget 0s;"), "\(never)")

        let bad = try workspace.repo(["snapshots", "--retry-budget", "soon"], timeout: 60)
        #expect(bad.status == 2 && bad.err.contains("--retry-budget needs a duration"), "\(bad)")
        let badEnvironment = try workspace.repo(["snapshots"], environment: ["REPO_RETRY_BUDGET": "2d"], timeout: 60)
        #expect(badEnvironment.status == 2 && badEnvironment.err.contains("REPO_RETRY_BUDGET needs a duration"), "\(badEnvironment)")
    }

    /// SIGTERM during a wait before a retry (waits reach 30 s) ends the command at once, with
    /// one line saying the store was not tried again.
    @Test func aSignalEndsAWaitAtOnce() throws {
        let closedPort = try LoopbackSocket.freePort()
        let workspace = try Workspace("s3-signal")
        defer { workspace.remove() }
        workspace.extraEnvironment = MotoServer.credentials.merging(["REPO_REPOSITORY": "s3:http://127.0.0.1:\(closedPort)/bucket/b"]) { a, _ in a }
        let child = try workspace.start(["snapshots"])
        Thread.sleep(forTimeInterval: 4)  // by now the waits are seconds long
        let signalled = Date()
        child.kill(SIGTERM)
        let result = child.wait(timeout: 60)
        let after = Date().timeIntervalSince(signalled)
        #expect(after < 1.5, "ended \(after) s after SIGTERM: \(result)")
        #expect(result.status == 19 && result.err.hasSuffix("; not tried again: the command is stopping\n"), "\(result)")
    }
}
