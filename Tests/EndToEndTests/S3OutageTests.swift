import Foundation
import TestSupport
import Testing

// Issue 16, part 1: a store that goes away for a while in the middle of a command, in the
// three ways networks fail (connections refused, then hanging, then 503 SlowDown), is
// waited out within the retry budget: snapshot, restore and copy complete, and the restore
// is identical. An outage longer than the budget ends the command with one line (exit 19)
// and leaves a repository that `check` finds clean.
//
// The outage is 9 s (3 s a phase) with an idle timeout of 1 s, to keep the suite quick;
// REPO_TEST_OUTAGE_SECONDS=30 REPO_TEST_IDLE_TIMEOUT=5s runs the issue's 30 s outage.
@Suite(.motoServer, .serialized)
struct S3OutageTests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer.suiteServer()
    }

    static let environment = ProcessInfo.processInfo.environment
    /// Seconds of each phase.
    static let phase = environment["REPO_TEST_OUTAGE_SECONDS"].flatMap(Double.init).map { $0 / 3 } ?? 3
    static let idleTimeout = environment["REPO_TEST_IDLE_TIMEOUT"] ?? "1s"

    @Test func snapshotRestoreAndCopyOutlastAnOutage() throws {
        let (proxy, workspace, s3) = try proxiedRepository("outage")
        defer { proxy.stop(); workspace.remove() }
        let tree = try TreeGenerator.generate(at: workspace.path("source"), Self.spec(seed: 61))
        try #require(try workspace.repo("init", "--pack-size", "1").status == 0)

        // A snapshot, with the store gone from its first data pack on.
        let snapshot = try outlasting(proxy, "snapshot", when: Self.dataPut) {
            try workspace.repo(["snapshot", "--json", "--verbose", tree.root], environment: ["REPO_S3_IDLE_TIMEOUT": Self.idleTimeout],
                               timeout: 600)
        }
        let ids = snapshot.stdoutLines.compactMap { Self.json($0)?["snapshot"] as? String }
        let id = try #require(ids.first, "\(snapshot)")

        // Its restore, with the store gone from the first data pack read on: identical.
        let target = workspace.path("restored")
        let restore = try outlasting(proxy, "restore", when: { $0.method == "GET" && $0.target.contains("/data/") }) {
            try workspace.repo(["restore", id, "--target", target, "--verbose"], environment: ["REPO_S3_IDLE_TIMEOUT": Self.idleTimeout],
                               timeout: 600)
        }
        let differences = TreeComparer.compare(tree.root, restoredPath(of: tree.root, in: target))
        #expect(differences.isEmpty, "restored through the outage:\n\(report(differences))")
        _ = restore

        // A copy from a local repository into the store, gone from the first data pack on.
        let local = workspace.path("local")
        let localPassword = "outage-local"
        try #require(try workspace.repo(["init", "--repo", local], environment: ["REPO_PASSWORD": localPassword]).status == 0)
        var random = SeededRandom(seed: 62)
        try FS.writeFile(Array("\(tree.root)/added.bin".utf8), random.bytes(2_500_000))
        let localSnapshot = try workspace.repo(["snapshot", "--repo", local, tree.root], environment: ["REPO_PASSWORD": localPassword])
        try #require(localSnapshot.status == 0, "\(localSnapshot)")
        let copy = try outlasting(proxy, "copy", when: Self.dataPut) {
            try workspace.repo(["copy", "--from", local, "--to", s3, "--json", "--verbose"],
                               environment: ["REPO_FROM_PASSWORD": localPassword, "REPO_S3_IDLE_TIMEOUT": Self.idleTimeout], timeout: 600)
        }
        #expect(copy.stdoutLines.contains { $0.contains("\"snapshots_copied\":1") }, "\(copy)")

        let check = try workspace.repo(["check", "--read-data"], timeout: 300)
        #expect(check.status == 0 && check.stderrLines.isEmpty, "\(check)")
    }

    /// The store refuses connections from the first data pack on, longer than
    /// `--retry-budget 5s`: one line, exit 19; with the store back, `check` is clean and
    /// the snapshot before is whole.
    @Test func anOutageLongerThanTheBudgetFailsWithOneLine() throws {
        let (proxy, workspace, _) = try proxiedRepository("budget")
        defer { proxy.stop(); workspace.remove() }
        let tree = try TreeGenerator.generate(at: workspace.path("source"), Self.spec(seed: 63))
        try #require(try workspace.repo("init", "--pack-size", "1").status == 0)
        let first = try workspace.repo("snapshot", "--json", tree.root)
        try #require(first.status == 0, "\(first)")
        var random = SeededRandom(seed: 64)
        try FS.writeFile(Array("\(tree.root)/added.bin".utf8), random.bytes(2_500_000))

        proxy.inject { request in
            if Self.dataPut(request) { Thread.detachNewThread { proxy.refuseConnections() } }
            return nil
        }
        let failed = try workspace.repo(["snapshot", "--retry-budget", "5s", tree.root], environment: ["REPO_S3_IDLE_TIMEOUT": Self.idleTimeout],
                                        timeout: 300)
        print("S3OutageTests budget: failed after \(String(format: "%.1f", failed.seconds)) s: \(failed.err)")
        #expect(failed.status == 19 && failed.signal == nil, "store unreachable, try later: \(failed)")
        #expect(failed.stderrLines.count == 1 && crashTraces(failed).isEmpty, "one line: \(failed)")
        #expect(failed.err.hasPrefix("repo: the store at ") && failed.err.contains("retry budget 5s")
                && failed.err.contains("try again"), "says what, how long and what to do: \(failed)")
        // One budget for the whole command: once a request spent it, the others (releasing
        // the lock, uploads still queued) get one try each, not a budget of their own.
        #expect(failed.seconds >= 5 && failed.seconds < 9, "\(failed.seconds) s")

        proxy.clearFaults()
        try proxy.acceptConnections()
        let check = try workspace.repo(["check", "--read-data"], timeout: 300)
        #expect(check.status == 0, "nothing refers to what the failed snapshot left: \(check)")
        #expect(try snapshotList(workspace).count == 1)
    }

    // MARK: Helpers

    static func dataPut(_ request: FaultProxy.Request) -> Bool { request.method == "PUT" && request.target.contains("/data/") }

    static func json(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    /// Runs `command` with an outage that starts at the first request `trigger` picks: the
    /// command succeeds, the outage fell inside it, and its waits were shown (--verbose).
    private func outlasting(_ proxy: FaultProxy, _ label: String, when trigger: @escaping @Sendable (FaultProxy.Request) -> Bool,
                            _ command: () throws -> RunResult) throws -> RunResult {
        let outage = FaultProxyOutage(proxy, refused: Self.phase, hanging: Self.phase, failing: Self.phase, when: trigger)
        let started = Date()
        let result = try command()
        let finished = Date()
        #expect(outage.wait(timeout: 10), "\(label): the outage did not happen: \(result)")
        try #require(result.status == 0, "\(label) through the outage (\(outage.timeline)): \(result)")
        let waits = result.stderrLines.filter { $0.contains("; next try in ") }
        if let began = outage.began, let ended = outage.ended {
            #expect(began > started && ended < finished, "\(label): the outage fell inside the command")
            print("S3OutageTests \(label): \(String(format: "%.1f", result.seconds)) s in all, outage \(outage.timeline) "
                  + "from \(String(format: "%.1f", began.timeIntervalSince(started))) s; done "
                  + "\(String(format: "%.1f", finished.timeIntervalSince(ended))) s after it; \(waits.count) waits:\n  "
                  + waits.joined(separator: "\n  "))
        }
        #expect(waits.contains { $0.contains("cannot connect") || $0.contains("lost") }, "\(label): refused connections: \(result.err)")
        #expect(waits.allSatisfy { $0.hasPrefix("repo: ") && $0.contains(" (attempt ") }, "\(result.err)")
        return result
    }

    /// A proxy in front of moto, and a workspace whose repository is in a bucket of its own
    /// behind it (not made yet).
    private func proxiedRepository(_ label: String) throws -> (proxy: FaultProxy, workspace: Workspace, location: String) {
        let proxy = try FaultProxy(upstream: moto)
        let (workspace, location) = try s3Workspace("s3-\(label)", moto: moto, endpoint: proxy.endpoint, bucket: try moto.makeBucket(label))
        return (proxy, workspace, location)
    }

    /// A tree of about 6 MB: several data packs of 1 MiB each way.
    private static func spec(seed: UInt64) -> TreeSpec {
        var spec = TreeSpec(seed: seed)
        spec.depth = 2
        spec.tinyFiles = 60
        spec.smallFileMaximum = 40_000
        spec.randomFileSizes = [3_000_000, 1_500_000]
        spec.textFileSizes = [600_000]
        spec.sparseSize = 1 << 20
        return spec
    }
}
