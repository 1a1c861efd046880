import Foundation
@testable import Jobs
import Repo
import Storage

/// A job `nightly` that saves a 100 kB file into a repository `main`, all in a scratch
/// directory: for tests that run a real job through `JobRunner`.
struct ScratchJob {
    let directory: URL
    let file: JobFile
    /// The repository, when it was created.
    let repository: Repository?
    let store: JobStateStore

    /// `jobLines` are added to the job's table (keep, prune, check...).
    init(_ label: String, createRepository: Bool = true, jobLines: String = "") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 100_000).write(to: data.appendingPathComponent("file"))
        try "pw\n".write(toFile: directory.appendingPathComponent("password").path, atomically: true, encoding: .utf8)
        let location = directory.appendingPathComponent("repo").path
        repository = createRepository
            ? try Repository.initialize(backend: try LocalBackend.create(at: location), password: Array("pw".utf8),
                                        scrypt: .init(n: 1024, r: 8, p: 1))
            : nil
        let jobPath = directory.appendingPathComponent("jobs.toml").path
        try """
            [repository.main]
            location = "\(location)"
            password-file = "\(directory.path)/password"
            [job.nightly]
            repository = "main"
            paths = ["\(data.path)"]
            \(jobLines)
            """.write(toFile: jobPath, atomically: true, encoding: .utf8)
        file = try JobFile.load(jobPath)
        store = JobStateStore(job: "nightly", directory: directory.appendingPathComponent("state").path)
    }

    func run(_ options: JobRunner.Options = .init()) throws -> RunReport {
        try JobRunner(job: try file.job("nightly"), file: file, access: RepositoryAccess(environment: [:], cacheDirectory: nil),
                      store: store, options: options).run()
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
