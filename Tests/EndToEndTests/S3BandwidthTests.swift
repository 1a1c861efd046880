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
        var generator = SystemRandomNumberGenerator()
        let size = 3 << 20
        try Data((0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: URL(fileURLWithPath: source + "/random"))
        try workspace.initRepository()

        // 3 MiB of incompressible data at 1 MiB/s: 3 s at least.
        let snapshot = try workspace.repo(["snapshot", "--limit-upload", "1MiB", source])
        #expect(snapshot.status == 0, "\(snapshot)")
        #expect(snapshot.seconds > 2.8, "took \(snapshot.seconds) s")
        print("snapshot of 3 MiB with --limit-upload 1MiB took \(snapshot.seconds) s")

        let target = workspace.path("restore")
        let restore = try workspace.repo(["restore", "latest", "--target", target], environment: ["REPO_LIMIT_DOWNLOAD": "1MiB"])
        #expect(restore.status == 0, "\(restore)")
        #expect(restore.seconds > 2.8, "took \(restore.seconds) s")
        print("restore of 3 MiB with REPO_LIMIT_DOWNLOAD=1MiB took \(restore.seconds) s")
        #expect(TreeComparer.compare(source, restoredPath(of: source, in: target)).isEmpty)
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
