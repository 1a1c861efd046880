import Foundation
import Repo
import Workers

/// One line of a run's summary: a step, how it ended, how long it took, what it added.
public struct StepResult: Sendable {
    public enum Outcome: String, Sendable {
        case ok, warning, failed, skipped
    }

    public var name: String
    public var outcome: Outcome
    /// Whether `bytesAdded` went into the job's own repository (files and dumps), as
    /// opposed to a copy's target: the run's total counts only those.
    public var isBackup: Bool
    public var seconds: Double
    public var bytesAdded: UInt64
    /// What happened, in a few words (or the error's one line).
    public var detail: String

    public init(name: String, outcome: Outcome, seconds: Double = 0, bytesAdded: UInt64 = 0, detail: String, isBackup: Bool = false) {
        self.name = name
        self.outcome = outcome
        self.isBackup = isBackup
        self.seconds = seconds
        self.bytesAdded = bytesAdded
        self.detail = detail
    }

    var record: JobRecord.Step {
        JobRecord.Step(name: name, outcome: outcome.rawValue, seconds: seconds, bytesAdded: bytesAdded, detail: detail)
    }

    /// Runs `body` as the step `name`, timing it and turning a thrown error into a failed
    /// step (the run goes on with its other steps).
    static func measure(_ name: String, isBackup: Bool = false, _ body: () throws -> (Outcome, UInt64, String)) -> StepResult {
        let start = Date()
        do {
            let (outcome, bytes, detail) = try body()
            return StepResult(name: name, outcome: outcome, seconds: Date().timeIntervalSince(start), bytesAdded: bytes, detail: detail,
                              isBackup: isBackup)
        } catch {
            return StepResult(name: name, outcome: .failed, seconds: Date().timeIntervalSince(start), detail: "\(error)", isBackup: isBackup)
        }
    }
}

/// What `repo run` or `repo drill` did: every step, in order.
public struct RunReport: Sendable {
    public var job: String
    public var started: Date
    public var seconds: Double = 0
    public var steps: [StepResult] = []
    /// Set when a signal stopped the run before its last step.
    public var stoppedBy: Cancelled?

    public var succeeded: Bool { !steps.contains { $0.outcome == .failed } }
    /// Bytes the run added to the job's own repository.
    public var bytesAdded: UInt64 { steps.filter(\.isBackup).reduce(0) { $0 + $1.bytesAdded } }
    public var failedSteps: [StepResult] { steps.filter { $0.outcome == .failed } }

    /// The record `repo status` reads, for a `run` or `drill` on `host`.
    func record(operation: String, host: String, repositoryBytes: UInt64 = 0) -> JobRecord {
        JobRecord(job: job, operation: operation, host: host, started: started, seconds: seconds, succeeded: succeeded,
                  bytesAdded: bytesAdded, repositoryBytes: repositoryBytes, steps: steps.map(\.record))
    }
}
