import Foundation
import TestSupport
import Testing

// The fault runs beyond S3Tests' snapshot, restore and check: through a FaultProxy
// (S3SupportFaultProxy.swift) that answers 500 and 503 SlowDown, or cuts connections, on a
// seeded share of the requests, `copy` and `forget --prune` still complete correctly; and
// when retries run out, a snapshot fails with one clear line and leaves nothing that a
// snapshot or index refers to half-written.

/// A snapshot of one version of a tree, with a copy of the tree as it was.
private struct Version {
    let id: String
    let copy: String
    let run: RunResult
}

@Suite(.motoServer)
struct S3FaultRunTests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer.suiteServer()
    }

    static let errorAnswers: [FaultProxy.Fault] = [.internalError, .slowDown]
    static let cutConnections: [FaultProxy.Fault] = [.dropBeforeResponse, .resetBeforeResponse, .dropMidResponse]
    /// A fault costs a retry after a short backoff, never a request timeout (60 s).
    static let slowestRun: Double = 30

    /// local → S3 → local, through 500s and 503 SlowDowns on about one request in ten.
    @Test func copyThroughErrorAnswers() throws {
        try copyScenario(faults: Self.errorAnswers, probability: 0.1, seed: 10)
    }

    /// Four snapshots and `forget --keep-last 2 --prune` on S3, through 500s and SlowDowns.
    @Test func forgetPruneThroughErrorAnswers() throws {
        try pruneScenario(faults: Self.errorAnswers, probability: 0.1, seed: 22)
    }

    /// The same copy and prune with dropped, reset and cut connections on one request in twenty.
    @Test func cutConnectionsDuringCopyAndPrune() throws {
        try copyScenario(faults: Self.cutConnections, probability: 0.05, seed: 94)
        try pruneScenario(faults: Self.cutConnections, probability: 0.05, seed: 24)
    }

    /// Every PUT into one directory of the repository fails (500) and only two attempts are
    /// allowed: the snapshot fails with one line and no trace of a crash, nothing it wrote
    /// is referenced, no lock stays; once the store is well, a snapshot succeeds.
    @Test(arguments: ["data", "index", "snapshots"])
    func exhaustedRetriesFailCleanly(directory: String) throws {
        let (proxy, workspace, _, stored) = try proxiedRepository("exhausted-\(directory)")
        defer { proxy.stop(); workspace.remove() }
        let source = workspace.path("source")
        let tree = try TreeGenerator.generate(at: source, Self.spec(seed: 25))
        let initialized = try workspace.repo("init", "--pack-size", "1")
        try #require(initialized.status == 0, "\(initialized)")
        let first = try #require(try Self.snapshotVersions(1, of: tree, in: workspace, seed: 26).first)
        var random = SeededRandom(seed: 26)
        try Self.change(tree, version: 2, random: &random)

        let failing = "/\(directory)/"
        proxy.inject { $0.method == "PUT" && $0.target.contains(failing) ? .internalError : nil }
        let failed = try workspace.repo(["snapshot", source], environment: ["REPO_S3_MAX_ATTEMPTS": "2"], timeout: 120)
        #expect(failed.status == 19 && failed.signal == nil, "a clean failure, store unreachable: \(failed)")
        #expect(failed.stderrLines.count == 1, "one line: \(failed)")
        #expect(crashTraces(failed).isEmpty, "\(failed)")
        #expect(failed.err.hasPrefix("repo: ") && failed.err.contains("InternalError") && failed.err.contains("2 attempts"),
                "says what failed and how often it was tried: \(failed)")
        #expect(failed.out.isEmpty, "\(failed)")
        #expect(failed.seconds < Self.slowestRun, "gave up after \(Int(failed.seconds)) s")
        // Each object was tried exactly as often as allowed (uploads still queued when the
        // first one gave up may not have been tried at all).
        let attempts = proxy.events.filter { $0.fault != nil }.reduce(into: [String: Int]()) { $0[$1.request.target, default: 0] += 1 }
        #expect(!attempts.isEmpty && attempts.values.allSatisfy { $0 <= 2 } && attempts.values.contains(2),
                "REPO_S3_MAX_ATTEMPTS=2 bounds the attempts per object: \(attempts)")
        proxy.clearFaults()

        #expect(try stored.locks().isEmpty, "the failed snapshot released its lock")
        #expect(try moto.pendingMultipartUploads(bucket: stored.bucket).isEmpty)
        #expect(try snapshotList(workspace).compactMap { $0["id"] as? String } == [first.id], "no snapshot was written")
        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0, "nothing refers to what the failed snapshot left: \(check)")
        let unchanged = try restoredTreeDifferences(workspace, snapshot: first.id, source: source, expected: first.copy)
        #expect(unchanged.isEmpty, "the first snapshot:\n\(report(unchanged))")

        let retried = try workspace.repo("snapshot", "--json", source)
        try #require(retried.status == 0, "\(retried)")
        let retriedID = try #require(retried.object["snapshot"] as? String, "\(retried)")
        let differences = try restoredTreeDifferences(workspace, snapshot: retriedID, source: source, expected: source)
        #expect(differences.isEmpty, "\(report(differences))")
        // What the failed run left is garbage prune removes; then nothing at all is left over.
        let prune = try workspace.repo("prune", "--json")
        #expect(prune.status == 0, "\(prune)")
        try expectSettled(workspace, stored: stored)
    }

    // MARK: Scenarios

    /// Three snapshots of a changing tree in a local repository, copied to S3 through the
    /// proxy and from there into another local repository, with `faults` on about
    /// `probability` of the requests; both copied again, which sends nothing. (Which
    /// requests fail depends on the seed and their number; the seeds given fail several
    /// requests of each copy.)
    private func copyScenario(faults: [FaultProxy.Fault], probability: Double, seed: UInt64) throws {
        let (proxy, workspace, s3, stored) = try proxiedRepository("copy")
        defer { proxy.stop(); workspace.remove() }
        let local = workspace.repository, last = workspace.path("last")
        let password = (local: workspace.password, s3: "e2e-s3-\(seed)", last: "e2e-last-\(seed)")
        /// `repo arguments` with the target's password and the source's.
        func run(_ arguments: [String], password: String, from: String? = nil) throws -> RunResult {
            try workspace.repo(arguments, environment: ["REPO_PASSWORD": password, "REPO_FROM_PASSWORD": from], timeout: 180)
        }

        // Enough data for a few dozen requests each way.
        let tree = try TreeGenerator.generate(at: workspace.path("source"),
                                              Self.spec(seed: seed, randomFileSizes: [4_000_000, 3_000_000, 1_000_000]))
        try #require(try run(["init", "--repo", local], password: password.local).status == 0)
        let versions = try Self.snapshotVersions(3, of: tree, in: workspace, arguments: ["--repo", local], seed: seed)
        try #require(try run(["init", "--pack-size", "1"], password: password.s3).status == 0)
        try #require(try run(["init", "--repo", last], password: password.last).status == 0)

        proxy.injectRandomly(probability: probability, seed: seed, faults: faults)
        let toS3 = try run(["copy", "--from", local, "--to", s3, "--json"], password: password.s3, from: password.local)
        let (faultsToS3, requestsToS3) = (proxy.injectedFaultCount, proxy.totalRequests)
        try #require(toS3.status == 0, "\(toS3)")
        #expect(int(toS3.object, "snapshots_copied") == versions.count && int(toS3.object, "snapshots_failed") == 0, "\(toS3)")
        let fromS3 = try run(["copy", "--from", s3, "--to", last, "--json"], password: password.last, from: password.s3)
        try #require(fromS3.status == 0, "\(fromS3)")
        #expect(int(fromS3.object, "snapshots_copied") == versions.count && int(fromS3.object, "snapshots_failed") == 0, "\(fromS3)")
        print("S3FaultRunTests copy (\(faults)): \(faultsToS3) faults in \(requestsToS3) requests copying to S3 (init included), "
              + "\(proxy.injectedFaultCount - faultsToS3) in \(proxy.totalRequests - requestsToS3) copying from it")

        // Each version, followed through both copies, restores from the last repository.
        func copies(_ result: RunResult) -> [String: String] {
            result.objectLines.reduce(into: [:]) { map, line in
                if let source = line["source"] as? String, let target = line["target"] as? String { map[source] = target }
            }
        }
        let (first, second) = (copies(toS3), copies(fromS3))
        for (index, version) in versions.enumerated() {
            let id = try #require(first[version.id].flatMap { second[$0] }, "version \(index + 1) in \(toS3) and \(fromS3)")
            let differences = try restoredTreeDifferences(workspace, snapshot: id, source: tree.root, expected: version.copy,
                                                          environment: ["REPO_REPOSITORY": last, "REPO_PASSWORD": password.last])
            #expect(differences.isEmpty, "version \(index + 1) copied twice:\n\(report(differences))")
        }
        let checkLast = try run(["check", "--read-data", "--repo", last], password: password.last)
        #expect(checkLast.status == 0, "\(checkLast)")
        let checkS3 = try run(["check", "--read-data"], password: password.s3)
        #expect(checkS3.status == 0, "\(checkS3)")

        // Copied again, still through the faults: nothing is sent.
        let againToS3 = try run(["copy", "--from", local, "--to", s3, "--json"], password: password.s3, from: password.local)
        let againFromS3 = try run(["copy", "--from", s3, "--to", last, "--json"], password: password.last, from: password.s3)
        for again in [againToS3, againFromS3] {
            #expect(again.status == 0, "\(again)")
            #expect(int(again.object, "snapshots_copied") == 0 && int(again.object, "snapshots_already_copied") == versions.count, "\(again)")
            #expect(int(again.object, "blobs_sent") == 0 && int(again.object, "bytes_sent") == 0 && int(again.object, "bytes_stored") == 0,
                    "\(again)")
        }
        #expect(faultsToS3 > 0 && proxy.injectedFaultCount > faultsToS3, "faults in both copies: \(proxy.injectedFaults)")
        expectFaultsMet(proxy, runs: [toS3, fromS3, checkS3, againToS3, againFromS3])
        workspace.password = password.s3
        try expectSettled(workspace, stored: stored)
    }

    /// Four snapshots of a changing tree on S3 and `forget --keep-last 2 --prune`, all with
    /// `faults` on about `probability` of the requests: the kept versions restore, and
    /// nothing is left for another prune.
    private func pruneScenario(faults: [FaultProxy.Fault], probability: Double, seed: UInt64) throws {
        let (proxy, workspace, _, stored) = try proxiedRepository("prune")
        defer { proxy.stop(); workspace.remove() }
        let tree = try TreeGenerator.generate(at: workspace.path("source"), Self.spec(seed: seed))
        let initialized = try workspace.repo("init", "--pack-size", "1")
        try #require(initialized.status == 0, "\(initialized)")

        proxy.injectRandomly(probability: probability, seed: seed, faults: faults)
        let versions = try Self.snapshotVersions(4, of: tree, in: workspace, seed: seed)
        let forget = try workspace.repo(["forget", "--keep-last", "2", "--prune", "--json"], timeout: 180)
        try #require(forget.status == 0, "\(forget)")
        let pruned = forget.objectLines.first { $0["message_type"] as? String == "prune" } ?? [:]
        #expect(int(pruned, "snapshots") == 2 && (int(pruned, "deleted_packs") ?? 0) > 0, "\(forget)")
        let kept = versions.suffix(2)
        #expect(try Set(snapshotList(workspace).compactMap { $0["id"] as? String }) == Set(kept.map(\.id)))
        for version in kept {
            let differences = try restoredTreeDifferences(workspace, snapshot: version.id, source: tree.root, expected: version.copy)
            #expect(differences.isEmpty, "\(version.id.prefix(8)) after forget --prune:\n\(report(differences))")
        }
        let check = try workspace.repo(["check", "--read-data"], timeout: 180)
        #expect(check.status == 0, "\(check)")
        print("S3FaultRunTests prune (\(faults)): \(proxy.injectedFaultCount) faults in \(proxy.totalRequests) requests")
        expectFaultsMet(proxy, runs: versions.map(\.run) + [forget, check])
        try expectSettled(workspace, stored: stored)
    }

    // MARK: Helpers

    /// A proxy in front of moto, and a workspace whose repository is in a bucket of its own
    /// behind it (not made yet). Stop the one and remove the other when done.
    private func proxiedRepository(_ label: String) throws
        -> (proxy: FaultProxy, workspace: Workspace, location: String, stored: BucketRepository) {
        let proxy = try FaultProxy(upstream: moto)
        let bucket = try moto.makeBucket(label)
        let (workspace, location) = try s3Workspace("s3-\(label)", moto: moto, endpoint: proxy.endpoint, bucket: bucket)
        return (proxy, workspace, location, BucketRepository(moto: moto, bucket: bucket))
    }

    /// Faults were injected, and no run waited for a request to time out.
    private func expectFaultsMet(_ proxy: FaultProxy, runs: [RunResult]) {
        #expect(proxy.injectedFaultCount > 0, "no fault in \(proxy.totalRequests) requests")
        for run in runs {
            #expect(run.seconds < Self.slowestRun,
                    "`repo \(run.arguments.prefix(2).joined(separator: " "))` took \(Int(run.seconds)) s under \(proxy.injectedFaults)")
        }
    }

    /// With the store well again: no lock is left, a prune has nothing to do, and
    /// `check --read-data` is clean without a note.
    private func expectSettled(_ workspace: Workspace, stored: BucketRepository) throws {
        let locks = try stored.locks()
        #expect(locks.isEmpty, "locks left: \(locks)")
        let settled = try workspace.repo("prune", "--dry-run", "--json")
        #expect(settled.status == 0, "\(settled)")
        for key in ["unused_packs", "repacked_packs", "unindexed_packs", "missing_packs", "deleted_packs", "condemned_packs"] {
            #expect(int(settled.object, key) == 0, "\(key): \(settled)")
        }
        let check = try workspace.repo("check", "--read-data")
        #expect(check.status == 0 && check.stderrLines.isEmpty, "\(check)")
        #expect(!check.out.contains("in no index"), "\(check)")
    }

    /// A tree of a few MB with every kind of entry.
    private static func spec(seed: UInt64, randomFileSizes: [Int] = [1_200_000, 500_000]) -> TreeSpec {
        var spec = TreeSpec(seed: seed)
        spec.depth = 2
        spec.tinyFiles = 120
        spec.smallFileMaximum = 40_000
        spec.randomFileSizes = randomFileSizes
        spec.textFileSizes = [600_000]
        spec.sparseSize = 2 << 20
        return spec
    }

    /// The next version of a tree: about a third of its plain files rewritten, its large
    /// random files replaced, a file added and the one the previous version added removed.
    private static func change(_ tree: GeneratedTree, version: Int, random: inout SeededRandom) throws {
        for relative in tree.plainFiles where Int.random(in: 0..<3, using: &random) == 0 {
            try FS.writeFile(tree.absolute(relative), random.bytes(Int.random(in: 100...30_000, using: &random)))
        }
        for relative in tree.randomFiles { try FS.writeFile(tree.absolute(relative), random.bytes(400_000)) }
        try FS.writeFile(Array("\(tree.root)/added-\(version).bin".utf8), random.bytes(300_000))
        if version > 2 { try FS.unlink(Array("\(tree.root)/added-\(version - 1).bin".utf8)) }
    }

    /// Snapshots `count` versions of `tree`, changing it between them, into the workspace's
    /// repository (or the one `arguments` name), keeping a copy of each version.
    private static func snapshotVersions(_ count: Int, of tree: GeneratedTree, in workspace: Workspace, arguments: [String] = [],
                                         seed: UInt64) throws -> [Version] {
        var random = SeededRandom(seed: seed)
        var versions: [Version] = []
        for number in 1...count {
            if number > 1 { try change(tree, version: number, random: &random) }
            let snapshot = try workspace.repo(["snapshot", "--json"] + arguments + [tree.root], timeout: 180)
            try #require(snapshot.status == 0, "version \(number): \(snapshot)")
            let copy = workspace.path("version-\(number)")
            try keepCopy(of: tree.root, at: copy)
            versions.append(Version(id: try #require(snapshot.object["snapshot"] as? String, "\(snapshot)"), copy: copy, run: snapshot))
        }
        return versions
    }
}
