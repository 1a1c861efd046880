import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `--lock-wait` and REPO_LOCK_WAIT: a locked repository is retried until the deadline
/// (overlapping cron runs queue), then fails with 11 saying how long it waited.
@Suite struct LockWaitTests {
    /// A prune waits behind a snapshot's shared lock (held while its command sleeps).
    @Test func exclusiveWaitsForSharedThenGivesUp() throws {
        let workspace = try Workspace("lock-wait-shared")
        defer { workspace.remove() }
        try workspace.initRepository()
        let holder = try workspace.start(["snapshot", "--stdin-from-command", "--", "sh", "-c", "sleep 6; echo data"])
        defer { holder.kill(SIGKILL); _ = holder.wait() }  // only if a requirement failed first
        try #require(waitUntil(timeout: 30) { !lockIDs(workspace.repository).isEmpty }, "the snapshot should hold its lock")

        let givesUp = try workspace.repo("prune", "--lock-wait", "1s")
        #expect(givesUp.status == 11, "\(givesUp)")
        #expect(givesUp.err.contains("waiting up to 1s"), "says once that it waits: \(givesUp)")
        #expect(givesUp.err.contains("waited 1s"), "says how long it waited: \(givesUp)")
        #expect(givesUp.seconds >= 0.9, "it did wait: \(givesUp.seconds) s")

        let queued = try workspace.repo(["prune"], environment: ["REPO_LOCK_WAIT": "1m"])
        #expect(queued.status == 0, "REPO_LOCK_WAIT: the prune runs once the snapshot is done: \(queued)")
        #expect(queued.stderrLines.filter { $0.contains("waiting up to 1m") }.count == 1, "one waiting line: \(queued)")
        #expect(holder.wait().status == 0)

        let noWait = try workspace.repo("prune", "--lock-wait", "soon")
        #expect(noWait.status == 2, "a duration is checked: \(noWait)")
    }

    /// A snapshot waits behind a prune's exclusive lock (the prune stopped while it holds
    /// it), and runs once the prune is done.
    @Test func snapshotWaitsForPrune() throws {
        let workspace = try Workspace("lock-wait-prune")
        defer { workspace.remove() }
        let initialized = try workspace.repo("init", "--pack-size", "1")
        try #require(initialized.status == 0, "\(initialized)")
        var random = SeededRandom(seed: 512)
        let garbage = workspace.path("garbage"), source = workspace.path("src")
        try FS.mkdir(Array(garbage.utf8))
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(Array((source + "/file").utf8), Array("kept\n".utf8))

        var round = 0
        // Forgotten data gives the prune something to delete, so it holds its lock a while.
        let stopped = try stoppedPrune(workspace, attempts: 8) {
            round += 1
            for index in 0..<4 { try FS.writeFile(Array((garbage + "/\(round)-\(index)").utf8), random.bytes(1_000_000)) }
            let snapshot = try workspace.repo("snapshot", "--json", garbage)
            try #require(snapshot.status == 0, "\(snapshot)")
            #expect(try workspace.repo("forget", try #require(snapshot.object["snapshot"] as? String)).status == 0)
        }
        let prune = try #require(stopped, "could not stop a prune while it held its lock")
        defer { prune.kill(SIGKILL); _ = prune.wait() }  // only if a requirement failed first

        let waiting = try workspace.start(["snapshot", "--lock-wait", "1m", source])
        Thread.sleep(forTimeInterval: 2)
        #expect(isRunning(waiting.pid), "the snapshot waits instead of failing")
        prune.kill(SIGCONT)
        #expect(prune.wait().status == 0)
        let snapshot = waiting.wait()
        #expect(snapshot.status == 0, "the snapshot runs once the prune is done: \(snapshot)")
        #expect(snapshot.err.contains("waiting up to 1m") && snapshot.err.contains("prune"), "names what it waits for: \(snapshot)")
        #expect(try workspace.repo("check").status == 0)
    }
}
