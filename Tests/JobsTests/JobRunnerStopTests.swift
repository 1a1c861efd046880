import Foundation
@testable import Jobs
import Testing
import Workers

/// A run asked to stop (SIGINT/SIGTERM raise the process's cancellation) ends its current
/// step at a safe point, begins no other, and says so in its report and record.
@Suite struct JobRunnerStopTests {
    @Test func aStoppedRunBeginsNoOtherStepAndSaysWhy() throws {
        let job = try ScratchJob("run-stop", jobLines: """
            keep = { last = 3 }
            prune = "always"
            check = { structure = "always" }
            """)
        defer { job.remove() }
        var options = JobRunner.Options()
        options.cancellation = Cancellation()
        options.cancellation.cancel(signal: SIGTERM)
        let report = try job.run(options)

        #expect(report.stoppedBy == Cancelled(signal: SIGTERM))
        #expect(!report.succeeded)
        #expect(report.steps.map(\.name) == ["files", "stop"], "no retention, prune or check after the stop: \(report.steps)")
        #expect(report.steps[0].outcome == .failed && report.steps[0].detail.hasPrefix("terminated (SIGTERM): no snapshot was saved"),
                "\(report.steps[0])")
        #expect(report.steps[1].detail.contains("not run"), "\(report.steps[1])")
        #expect(try job.repository?.snapshots().isEmpty == true)
        #expect(job.store.load().lastRun?.succeeded == false, "the record says the run failed")
    }
}
