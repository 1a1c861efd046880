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
        #expect(result.err.contains("the store at \(location) did not answer for 1 s (idle) to GET, 3 tries; "
                                    + "check the endpoint or raise REPO_S3_IDLE_TIMEOUT"), "\(result)")

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
        #expect(result.err.contains("did not answer after 2 attempts") && result.err.contains("try again"), "\(result)")
    }
}
