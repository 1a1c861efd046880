import Foundation
import Testing

/// Ctrl-C and SIGTERM: work stops at its next safe point, the lock goes, the command says
/// in one line what it saved and exits 130 or 143; a second signal ends it at once.
///
/// Each run is caught mid-work deterministically: the test waits until the command has
/// visibly started writing, stops it (SIGSTOP), sends the signal, and lets it go on.
@Suite struct SignalTests {
    /// A tree of about 96 MB of incompressible files in 1 MiB packs: long enough that a
    /// pause after the first packs always finds the work unfinished.
    static func makeSource(_ workspace: Workspace) throws -> (path: String, tree: GeneratedTree) {
        let source = workspace.path("src")
        var spec = TreeSpec(seed: 130)
        spec.depth = 1
        spec.tinyFiles = 50
        spec.randomFileSizes = Array(repeating: 4_000_000, count: 24)
        spec.textFileSizes = []
        spec.sparseSize = 0
        return (source, try TreeGenerator.generate(at: source, spec))
    }

    /// Starts `arguments`, waits for `started`, then delivers `signal` while it is stopped.
    static func interrupt(_ workspace: Workspace, _ arguments: [String], with signal: Int32,
                          once started: () -> Bool) throws -> RunResult {
        let child = try workspace.start(arguments)
        let caught = waitUntil(timeout: 60) { started() || !isRunning(child.pid) }
        child.kill(SIGSTOP)
        try #require(caught && isRunning(child.pid), "\(arguments.joined(separator: " ")) should still be running")
        child.kill(signal)
        child.kill(SIGCONT)
        return child.wait(timeout: 60)
    }

    static func temporaryFiles(_ repository: String) -> [String] {
        (FileManager.default.subpaths(atPath: repository) ?? []).filter { $0.split(separator: "/").last?.hasPrefix(".tmp-") == true }
    }

    @Test func interruptedSnapshotSavesNothingAndTheNextOneReusesWhatItStored() throws {
        let workspace = try Workspace("signal-snapshot")
        defer { workspace.remove() }
        let (source, tree) = try Self.makeSource(workspace)
        let initialized = try workspace.repo("init", "--pack-size", "1")
        try #require(initialized.status == 0, "\(initialized)")

        let stopped = try Self.interrupt(workspace, ["snapshot", "--jobs", "2", source], with: SIGINT) {
            packIDs(workspace.repository).count >= 4
        }
        #expect(stopped.status == 130 && stopped.signal == nil, "exits by itself with 130: \(stopped)")
        #expect(stopped.err.contains("interrupted (SIGINT): no snapshot was saved"), "\(stopped)")
        #expect(stopped.err.contains("the next snapshot reuses it"), "\(stopped)")
        #expect(try snapshotList(workspace).isEmpty)
        #expect(lockIDs(workspace.repository).isEmpty, "the lock went with the process")
        #expect(Self.temporaryFiles(workspace.repository).isEmpty, "no write was cut short")
        let check = try workspace.repo("check", "--json")
        #expect(check.status == 0 && ((check.object["problems"] as? [Any]) ?? [1]).isEmpty, "\(check)")

        let next = try workspace.repo("snapshot", "--json", "--jobs", "2", source)
        #expect(next.status == 0, "\(next)")
        let added = int(next.object, "bytes_added") ?? .max
        #expect(added < tree.totalBytes * 95 / 100, "what the stopped snapshot stored is reused: \(added) of \(tree.totalBytes)")
        try expectLatestRestores(workspace, source)
    }

    @Test func terminatedRestoreSaysWhatItWroteAndFinishesWhenRunAgain() throws {
        let workspace = try Workspace("signal-restore")
        defer { workspace.remove() }
        let (source, _) = try Self.makeSource(workspace)
        let initialized = try workspace.repo("init", "--pack-size", "1")
        try #require(initialized.status == 0, "\(initialized)")
        let snapshot = try workspace.repo("snapshot", source)
        try #require(snapshot.status == 0, "\(snapshot)")

        let target = workspace.path("restore")
        let large = restoredPath(of: source, in: target)
        let stopped = try Self.interrupt(workspace, ["restore", "latest", "--target", target, "--jobs", "1"], with: SIGTERM) {
            ((try? FileManager.default.subpathsOfDirectory(atPath: large)) ?? []).count >= 3
        }
        #expect(stopped.status == 143 && stopped.signal == nil, "\(stopped)")
        #expect(stopped.err.contains("terminated (SIGTERM): restore stopped"), "\(stopped)")
        #expect(stopped.err.contains("run the same restore again"), "\(stopped)")
        #expect(lockIDs(workspace.repository).isEmpty)

        let again = try workspace.repo("restore", "latest", "--target", target)
        #expect(again.status == 0, "\(again)")
        let differences = TreeComparer.compare(source, large)
        #expect(differences.isEmpty, "\(report(differences))")
    }

    @Test func interruptedCheckGivesNoVerdictAndChangesNothing() throws {
        let workspace = try Workspace("signal-check")
        defer { workspace.remove() }
        let (source, _) = try Self.makeSource(workspace)
        let initialized = try workspace.repo("init", "--pack-size", "1")
        try #require(initialized.status == 0, "\(initialized)")
        try #require(try workspace.repo("snapshot", source).status == 0)
        // The check holds a shared lock while it reads: its lock file says it is at work.
        let stopped = try Self.interrupt(workspace, ["check", "--read-data"], with: SIGINT) {
            !lockIDs(workspace.repository).isEmpty
        }
        #expect(stopped.status == 130, "\(stopped)")
        #expect(stopped.err.contains("interrupted (SIGINT): check stopped after"), "\(stopped)")
        #expect(stopped.err.contains("without a verdict"), "\(stopped)")
        #expect(lockIDs(workspace.repository).isEmpty)
    }

    /// A stream that delivers nothing keeps its reader waiting in `read`, where no safe
    /// point is: the first signal is noted, the second ends the process at once.
    @Test func aSecondSignalStopsAtOnce() throws {
        let workspace = try Workspace("signal-twice")
        defer { workspace.remove() }
        try workspace.initRepository()
        let child = try workspace.start(["snapshot", "--stdin-name", "stalled", "--stdin-from-command", "--", "sleep", "20"])
        let reading = waitUntil(timeout: 30) { !lockIDs(workspace.repository).isEmpty || !isRunning(child.pid) }
        try #require(reading && isRunning(child.pid))
        child.kill(SIGINT)
        usleep(300_000)
        child.kill(SIGINT)
        let result = child.wait(timeout: 30)
        #expect(result.status == 130 && result.signal == nil, "\(result)")
        #expect(result.seconds < 15, "not left waiting for the command: \(result)")
        #expect(result.err.contains("stopping at the next safe point"), "the first signal was acknowledged: \(result)")
        #expect(!result.err.contains("no snapshot was saved"), "the second ended it before any safe point: \(result)")
        #expect(try snapshotList(workspace).isEmpty)
    }
}
