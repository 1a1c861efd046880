import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

// What the S3 suites (S3Tests, S3FaultRunTests, S3ManyHostsTests) share: workspaces whose
// repository is in a moto bucket, a look at the repository's objects in the bucket, and
// restoring a snapshot to compare it with the tree it was taken of.

/// A workspace whose repository is `s3:http://127.0.0.1:PORT/BUCKET/PREFIX` at `endpoint`.
func s3Workspace(_ label: String, moto: MotoServer, endpoint: String? = nil, bucket: String? = nil,
                 prefix: String = "backups/host") throws -> (Workspace, location: String) {
    let workspace = try Workspace(label)
    let bucket = try bucket ?? moto.makeBucket(label)
    let location = "s3:\(endpoint ?? moto.endpoint)/\(bucket)\(prefix.isEmpty ? "" : "/" + prefix)"
    workspace.extraEnvironment = MotoServer.credentials.merging(["REPO_REPOSITORY": location]) { a, _ in a }
    return (workspace, location)
}

/// A repository's objects in a bucket, read straight from moto (not through any proxy).
struct BucketRepository {
    let moto: MotoServer
    let bucket: String
    var prefix = "backups/host"

    /// The keys under `PREFIX/directory/` (`locks`, `snapshots`, `index`, `data`, `tree` …).
    func keys(_ directory: String) throws -> Set<String> {
        Set(try moto.keys(bucket: bucket, prefix: "\(prefix)/\(directory)/"))
    }

    /// The keys of every pack (data and tree).
    func packs() throws -> Set<String> { try keys("data").union(keys("tree")) }

    func locks() throws -> Set<String> { try keys("locks") }
}

/// Restores snapshot `id` into a new directory of `workspace` and compares what it holds
/// for `source` (the path the snapshot was taken of) with `expected` (a tree as `source`
/// was then). Returns the differences, empty when the restore is faithful.
func restoredTreeDifferences(_ workspace: Workspace, snapshot id: String, source: String, expected: String,
                             environment: [String: String?] = [:]) throws -> [String] {
    let target = workspace.path("restore-\(id.prefix(8))-\(UInt32.random(in: 0...UInt32.max))")
    defer { _ = try? runProgram("/bin/rm", ["-rf", target]) }
    let restore = try workspace.repo(["restore", id, "--target", target], environment: environment, timeout: 180)
    if restore.status != 0 { return ["restore of \(id.prefix(8)) failed: \(restore)"] }
    return TreeComparer.compare(expected, restoredPath(of: source, in: target))
}

/// `cp -a from to`, for keeping a version of a tree that is about to change.
func keepCopy(of from: String, at to: String) throws {
    let copied = try runProgram("/bin/cp", ["-a", from, to], timeout: 300)
    if copied.status != 0 { throw HarnessError("cp -a \(from) \(to) failed: \(copied.err)") }
}

/// The lines of a run's standard error that betray a crash rather than a clean failure.
func crashTraces(_ result: RunResult) -> [String] {
    result.stderrLines.filter { line in
        ["Fatal error", "Stack dump", "Current stack trace", "backtrace", "Illegal instruction", "Segmentation fault"]
            .contains { line.contains($0) }
    }
}
