import Foundation
import TestSupport
import Testing

/// `--limit-upload` and `--limit-download` (and their variables) hold `repo`'s traffic with
/// an S3 store (moto) to their rate; a bad rate is a usage error naming the option.
@Suite(.motoServer)
struct S3BandwidthTests {
    let moto: MotoServer

    init() throws {
        moto = try MotoServer.suiteServer()
    }

    @Test func snapshotAndRestoreKeepToTheirLimits() throws {
        let (workspace, _) = try s3Workspace("s3-bandwidth", moto: moto)
        defer { workspace.remove() }
        let source = workspace.path("source")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try Self.randomFile(source + "/random", size: 3 << 20)
        try workspace.initRepository()

        // 3 MiB of incompressible data at 1 MiB/s: 3 s at least.
        let snapshot = try workspace.repo(["snapshot", "--verbose", "--limit-upload", "1MiB", source])
        #expect(snapshot.status == 0, "\(snapshot)")
        #expect(snapshot.err.contains("bandwidth: upload 1 MiB/s, download off"), "\(snapshot)")
        #expect(snapshot.seconds > 2.8, "took \(snapshot.seconds) s")
        print("snapshot of 3 MiB with --limit-upload 1MiB took \(snapshot.seconds) s")

        let target = workspace.path("restore")
        let restore = try workspace.repo(["restore", "latest", "--target", target], environment: ["REPO_LIMIT_DOWNLOAD": "1MiB"])
        #expect(restore.status == 0, "\(restore)")
        #expect(restore.seconds > 2.8, "took \(restore.seconds) s")
        print("restore of 3 MiB with REPO_LIMIT_DOWNLOAD=1MiB took \(restore.seconds) s")
        #expect(TreeComparer.compare(source, restoredPath(of: source, in: target)).isEmpty)
    }

    /// A job's `limit-upload` holds its run; the command line's limit replaces it.
    @Test func aJobKeepsToItsLimitUnlessTheCommandLineSetsOne() throws {
        let workspace = try jobWorkspace("job-bandwidth")
        defer { workspace.remove() }
        let bucket = try moto.makeBucket("job-bandwidth")
        let location = "s3:\(moto.endpoint)/\(bucket)/repo"
        workspace.extraEnvironment.merge(MotoServer.credentials) { $1 }
        try workspace.initRepository(at: location)
        let source = workspace.path("source")
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try workspace.writeJobFile("""
            [repository.offsite]
            location = "\(location)"
            password-file = "\(workspace.path("password"))"
            [job.media]
            repository = "offsite"
            paths = ["\(source)"]
            prune = "never"
            check = { structure = "never" }
            limit-upload = "1MiB"
            """)
        try Self.randomFile(source + "/first", size: 3 << 20)
        let limited = try workspace.repo(["run", "media"], timeout: 120)
        #expect(limited.status == 0, "\(limited)")
        #expect(limited.seconds > 2.8, "3 MiB at the job's 1 MiB/s took \(limited.seconds) s")
        print("run of 3 MiB with the job's limit-upload 1MiB took \(limited.seconds) s")

        // 1.5 MiB more: 1.5 s at the job's limit, 3 s at the command line's.
        try Self.randomFile(source + "/second", size: 3 << 19)
        let overridden = try workspace.repo(["run", "media", "--limit-upload", "512K"], timeout: 120)
        #expect(overridden.status == 0, "\(overridden)")
        #expect(overridden.seconds > 2.8, "1.5 MiB at --limit-upload 512K took \(overridden.seconds) s")
        print("run of 1.5 MiB with --limit-upload 512K over the job's 1MiB took \(overridden.seconds) s")
    }

    static func randomFile(_ path: String, size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        try Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: URL(fileURLWithPath: path))
    }

    @Test func badLimitsAreUsageErrors() throws {
        let workspace = try Workspace("bandwidth-usage")
        defer { workspace.remove() }
        let zero = try workspace.repo(["snapshots", "--limit-upload", "0"])
        #expect(zero.status == 2, "\(zero)")
        #expect(zero.stderrLines.first?.contains("--limit-upload: \"0\" is out of range") == true, "\(zero)")
        let word = try workspace.repo(["snapshots"], environment: ["REPO_LIMIT_DOWNLOAD": "fast"])
        #expect(word.status == 2 && word.err.contains("REPO_LIMIT_DOWNLOAD: \"fast\" is not a rate"), "\(word)")
        let overlap = try workspace.repo(["snapshots", "--limit-download", "08:00-20:00 1M, 19:00-21:00 off"])
        #expect(overlap.status == 2 && overlap.err.contains("overlap at 19:00"), "\(overlap)")
    }
}
