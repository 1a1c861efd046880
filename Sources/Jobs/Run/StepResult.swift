import Foundation

/// One line of a run's summary: a step, how it ended, how long it took, what it added.
public struct StepResult: Sendable {
    public enum Outcome: String, Sendable {
        case ok, warning, failed, skipped
    }

    public var name: String
    public var outcome: Outcome
    public var seconds: Double
    public var bytesAdded: UInt64
    /// What happened, in a few words (or the error's one line).
    public var detail: String

    public init(name: String, outcome: Outcome, seconds: Double = 0, bytesAdded: UInt64 = 0, detail: String) {
        self.name = name
        self.outcome = outcome
        self.seconds = seconds
        self.bytesAdded = bytesAdded
        self.detail = detail
    }

    var record: StepRecord {
        StepRecord(name: name, outcome: outcome.rawValue, seconds: seconds, bytesAdded: bytesAdded, detail: detail)
    }

    /// Runs `body` as the step `name`, timing it and turning a thrown error into a failed
    /// step (the run goes on with its other steps).
    static func measure(_ name: String, _ body: () throws -> (Outcome, UInt64, String)) -> StepResult {
        let start = Date()
        do {
            let (outcome, bytes, detail) = try body()
            return StepResult(name: name, outcome: outcome, seconds: Date().timeIntervalSince(start), bytesAdded: bytes, detail: detail)
        } catch {
            return StepResult(name: name, outcome: .failed, seconds: Date().timeIntervalSince(start), detail: "\(error)")
        }
    }
}

/// What `repo run` or `repo drill` did: every step, in order.
public struct RunReport: Sendable {
    public var job: String
    public var started: Date
    public var seconds: Double = 0
    public var steps: [StepResult] = []

    public var succeeded: Bool { !steps.contains { $0.outcome == .failed } }
    public var bytesAdded: UInt64 { steps.reduce(0) { $0 + $1.bytesAdded } }
    public var failedSteps: [StepResult] { steps.filter { $0.outcome == .failed } }

    var record: RunRecord {
        RunRecord(started: started, seconds: seconds, succeeded: succeeded, bytesAdded: bytesAdded, steps: steps.map(\.record))
    }
}
