import Foundation
@_spi(Benchmarks) import Repo

/// `repo-bench synthetic-repo DIR --blobs N --snapshots S`: a repository of N small blobs
/// (password from REPO_PASSWORD, else "bench") for measuring prune and the index at scale:
///   /usr/bin/time -v repo -r DIR forget --keep-last 2 --prune
enum SyntheticRepositoryCommand {
    static func run(directory: String, blobs: Int, snapshots: Int) throws {
        let password = ProcessInfo.processInfo.environment["REPO_PASSWORD"] ?? "bench"
        let repository = try Repository.initialize(backend: try LocalBackend.create(at: directory), password: Array(password.utf8))
        let start = Date()
        let stored = try SyntheticRepository.populate(repository, blobs: blobs, snapshots: snapshots) { done in
            FileHandle.standardError.write(Data("\r\(done) blobs".utf8))
        }
        let seconds = Date().timeIntervalSince(start)
        print("\n\(blobs) blobs, \(stored.count) snapshots in \(directory) (\(String(format: "%.1f", seconds)) s)")
    }
}
