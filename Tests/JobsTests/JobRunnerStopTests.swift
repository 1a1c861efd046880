import Foundation
@testable import Jobs
import Repo
import Storage
import Testing
import Workers

/// A run asked to stop (SIGINT/SIGTERM raise the process's cancellation) ends its current
/// step at a safe point, begins no other, and says so in its report and record.
@Suite struct JobRunnerStopTests {
    @Test func aStoppedRunBeginsNoOtherStepAndSaysWhy() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("run-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 100_000).write(to: data.appendingPathComponent("file"))
        try "pw\n".write(toFile: directory.appendingPathComponent("password").path, atomically: true, encoding: .utf8)
        let location = directory.appendingPathComponent("repo").path
        let repository = try Repository.initialize(backend: try LocalBackend.create(at: location), password: Array("pw".utf8),
                                                   scrypt: .init(n: 1024, r: 8, p: 1))
        let jobPath = directory.appendingPathComponent("jobs.toml").path
        try """
            [repository.main]
            location = "\(location)"
            password-file = "\(directory.path)/password"
            [job.nightly]
            repository = "main"
            paths = ["\(data.path)"]
            keep = { last = 3 }
            prune = "always"
            check = { structure = "always" }
            """.write(toFile: jobPath, atomically: true, encoding: .utf8)
        let file = try JobFile.load(jobPath)
        var options = JobRunner.Options()
        options.cancellation = Cancellation()
        options.cancellation.cancel(signal: SIGTERM)
        let store = JobStateStore(job: "nightly", directory: directory.appendingPathComponent("state").path)
        let report = try JobRunner(job: try file.job("nightly"), file: file, access: RepositoryAccess(environment: [:], cacheDirectory: nil),
                                   store: store, options: options).run()

        #expect(report.stoppedBy == Cancelled(signal: SIGTERM))
        #expect(!report.succeeded)
        #expect(report.steps.map(\.name) == ["files", "stop"], "no retention, prune or check after the stop: \(report.steps)")
        #expect(report.steps[0].outcome == .failed && report.steps[0].detail.hasPrefix("terminated (SIGTERM): no snapshot was saved"),
                "\(report.steps[0])")
        #expect(report.steps[1].detail.contains("not run"), "\(report.steps[1])")
        #expect(try repository.snapshots().isEmpty)
        #expect(store.load().lastRun?.succeeded == false, "the record says the run failed")
    }
}
