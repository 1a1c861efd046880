import Foundation
import TestSupport
import Testing

// `repo` against S3: a moto server on 127.0.0.1 for the suite (TestSupport's MotoServer,
// shared with StorageTests), each test in a bucket of its own, with moto's test
// credentials in the environment of every run. Through a FaultProxy, the same commands meet
// a store that fails now and then.

@Suite(.motoServer)
struct S3Tests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer.suiteServer()
    }

    /// init (which creates the bucket), snapshot, a second snapshot that stores almost
    /// nothing, restore, check --read-data: all on S3, and the repository's objects are
    /// keys under the prefix.
    @Test func roundTripOnS3() throws {
        let bucket = "e2e-roundtrip-\(UInt32.random(in: 0...UInt32.max))"
        let (workspace, _) = try s3Workspace("s3-roundtrip", moto: moto, bucket: bucket)
        defer { workspace.remove() }
        let source = workspace.path("source")
        var spec = TreeSpec.small(seed: 5)
        spec.tinyFiles = 300
        spec.randomFileSizes = [3_000_000]
        try TreeGenerator.generate(at: source, spec)

        let initialized = try workspace.repo("init")
        #expect(initialized.status == 0, "\(initialized)")
        #expect(try moto.keys(bucket: bucket, prefix: "backups/host/").contains("backups/host/config"))

        let first = try workspace.repo("snapshot", "--json", source)
        #expect(first.status == 0, "\(first)")
        let second = try workspace.repo("snapshot", "--json", source)
        #expect(second.status == 0, "\(second)")
        #expect((int(second.object, "files_new") ?? -1) == 0, "nothing new: \(second)")

        let keys = try moto.keys(bucket: bucket)
        #expect(keys.allSatisfy { $0.hasPrefix("backups/host/") }, "\(keys.prefix(5))")
        #expect(keys.contains { $0.hasPrefix("backups/host/data/") }, "data packs: \(keys.prefix(10))")
        #expect(keys.filter { $0.hasPrefix("backups/host/snapshots/") }.count == 2)

        let listed = try workspace.repo("snapshots", "--json")
        #expect(listed.status == 0 && listed.array.count == 2, "\(listed)")

        let (_, check) = try expectLatestRestoresAndChecks(workspace, source: source)
        #expect(!check.combined.contains("testing"), "no credential in the output")
    }

    /// A repository in a bucket is found by the same location from another machine (here:
    /// another workspace, with an empty cache).
    @Test func anotherClientSeesTheSameRepository() throws {
        let bucket = try moto.makeBucket("shared")
        let (writer, _) = try s3Workspace("s3-writer", moto: moto, bucket: bucket)
        defer { writer.remove() }
        let source = writer.path("source")
        try TreeGenerator.generate(at: source, TreeSpec.small(seed: 6))
        try writer.initRepository()
        #expect(try writer.repo("snapshot", source).status == 0)

        let (reader, _) = try s3Workspace("s3-reader", moto: moto, bucket: bucket, prefix: "backups/host")
        defer { reader.remove() }
        reader.password = writer.password
        let check = try reader.repo("check")
        #expect(check.status == 0, "\(check)")
        let target = reader.path("restore")
        #expect(try reader.repo("restore", "latest", "--target", target).status == 0)
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
        #expect(differences.isEmpty, "\(report(differences))")
    }

    /// What users get wrong: no repository under the prefix, a second init, no credentials.
    /// Each is one clear line and an exit status, and never shows the secret.
    @Test func mistakesAreExplained() throws {
        let bucket = try moto.makeBucket("mistakes")
        let (workspace, location) = try s3Workspace("s3-mistakes", moto: moto, bucket: bucket)
        defer { workspace.remove() }

        let missing = try workspace.repo("snapshots")
        #expect(missing.status == 10, "no repository there: \(missing)")
        #expect(missing.stderrLines.count == 1, "\(missing)")
        #expect(missing.err.contains(location), "names the location: \(missing)")

        try workspace.initRepository()
        let again = try workspace.repo("init")
        #expect(again.status != 0, "\(again)")
        #expect(again.err.contains("already"), "\(again)")

        let noCredentials = try workspace.repo(["snapshots"], environment: ["AWS_ACCESS_KEY_ID": nil, "AWS_SECRET_ACCESS_KEY": nil])
        #expect(noCredentials.status != 0, "\(noCredentials)")
        #expect(noCredentials.stderrLines.count == 1, "\(noCredentials)")
        #expect(noCredentials.err.contains("AWS_ACCESS_KEY_ID"), "\(noCredentials)")

        let secret = "e2e-very-secret-\(UInt32.random(in: 0...UInt32.max))"
        let wrongBucket = "s3:\(moto.endpoint)/no-such-bucket-\(UInt32.random(in: 0...UInt32.max))/x"
        let noBucket = try workspace.repo(["snapshots"], environment: ["REPO_REPOSITORY": wrongBucket, "AWS_SECRET_ACCESS_KEY": secret])
        #expect(noBucket.status != 0, "\(noBucket)")
        #expect(noBucket.stderrLines.count == 1, "\(noBucket)")
        #expect(!noBucket.combined.contains(secret), "\(noBucket)")
    }

    /// 500s and 503 SlowDowns on about one request in ten (seeded): snapshot, restore and
    /// check succeed and nothing is lost.
    @Test func errorAnswersAreRetried() throws {
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let (workspace, _) = try s3Workspace("s3-errors", moto: moto, endpoint: proxy.endpoint)
        defer { workspace.remove() }
        try runThroughFaults(workspace, proxy: proxy, faults: [.internalError, .slowDown], seed: 3)
    }

    /// Dropped, reset and cut connections on about one request in twenty (seeded): the same.
    @Test func lostConnectionsAreRetried() throws {
        let proxy = try FaultProxy(upstream: moto)
        defer { proxy.stop() }
        let (workspace, _) = try s3Workspace("s3-lost", moto: moto, endpoint: proxy.endpoint)
        defer { workspace.remove() }
        try runThroughFaults(workspace, proxy: proxy, faults: [.dropBeforeResponse, .resetBeforeResponse, .dropMidResponse], seed: 4,
                             probability: 0.05)
    }

    private func runThroughFaults(_ workspace: Workspace, proxy: FaultProxy, faults: [FaultProxy.Fault], seed: UInt64,
                                  probability: Double = 0.1) throws {
        let source = workspace.path("source")
        var spec = TreeSpec.small(seed: 7)
        spec.tinyFiles = 200
        spec.randomFileSizes = [1_500_000, 700_000]
        try TreeGenerator.generate(at: source, spec)
        try workspace.initRepository()
        proxy.injectRandomly(probability: probability, seed: seed, faults: faults)

        let snapshot = try workspace.repo(["snapshot", "--json", source], timeout: 180)
        #expect(snapshot.status == 0, "\(snapshot)")
        let target = workspace.path("restore")
        let restore = try workspace.repo(["restore", "latest", "--target", target], timeout: 180)
        #expect(restore.status == 0, "\(restore)")
        let differences = TreeComparer.compare(source, restoredPath(of: source, in: target))
        #expect(differences.isEmpty, "\(report(differences))")
        let check = try workspace.repo(["check", "--read-data"], timeout: 180)
        #expect(check.status == 0, "\(check)")
        #expect(proxy.injectedFaultCount > 0, "\(proxy.totalRequests) requests")
        // A fault costs a retry after a short backoff, never a request timeout (60 s).
        for run in [snapshot, restore, check] {
            #expect(run.seconds < 30, "`repo \(run.arguments.first ?? "")` took \(Int(run.seconds)) s under \(proxy.injectedFaults)")
        }

        proxy.clearFaults()
        let clean = try workspace.repo("check", "--read-data")
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stderrLines.isEmpty, "\(clean)")
    }
}
