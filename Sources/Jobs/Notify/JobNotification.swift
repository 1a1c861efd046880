import Foundation
import Repo

/// What notifiers are told: a run or drill of a job on a host, as it starts or once it
/// has ended, with every step and, for a failure, the end of each failed step's error.
public struct JobNotification: Sendable {
    /// A failed step and the last lines of its error, which usually say why.
    public struct Failure: Sendable, Equatable {
        public var step: String
        public var lines: [String]
    }

    public var job: String
    /// "run" or "drill".
    public var operation: String
    public var host: String
    public var event: NotificationEvent
    public var started: Date
    public var seconds: Double
    /// Bytes added to the job's own repository.
    public var bytesAdded: UInt64
    public var steps: [StepResult]
    public var failures: [Failure]
    /// Why the operation failed before any step ran (the job file, the repository), or nil.
    public var error: String?

    /// Lines kept of an error: a dump tool's stderr can run long, its end says what broke.
    public static let tailLines = 10
    /// Characters kept of one line.
    static let lineLimit = 400

    public init(job: String, operation: String, host: String, event: NotificationEvent, started: Date, seconds: Double = 0,
                bytesAdded: UInt64 = 0, steps: [StepResult] = [], failures: [Failure] = [], error: String? = nil) {
        self.job = job
        self.operation = operation
        self.host = host
        self.event = event
        self.started = started
        self.seconds = seconds
        self.bytesAdded = bytesAdded
        self.steps = steps
        self.failures = failures
        self.error = error
    }

    /// A finished run or drill.
    public init(report: RunReport, operation: String, host: String = JobNotification.localHost) {
        self.init(job: report.job, operation: operation, host: host, event: Self.event(of: report), started: report.started,
                  seconds: report.seconds, bytesAdded: report.bytesAdded, steps: report.steps,
                  failures: report.failedSteps.map { Failure(step: $0.name, lines: Self.tail($0.detail)) })
    }

    /// A run or drill about to start its steps.
    public static func start(job: String, operation: String, host: String = JobNotification.localHost, started: Date = Date()) -> JobNotification {
        JobNotification(job: job, operation: operation, host: host, event: .start, started: started)
    }

    /// A run or drill that failed before any step ran: the job file is broken, the
    /// repository cannot be opened, another run holds the lock.
    public static func failure(job: String, operation: String, host: String = JobNotification.localHost, error: String,
                               started: Date = Date()) -> JobNotification {
        JobNotification(job: job, operation: operation, host: host, event: .failure, started: started,
                     seconds: Date().timeIntervalSince(started), error: tail(error).joined(separator: "\n"))
    }

    /// Failure if a step failed, else warning if one warned, else success.
    public static func event(of report: RunReport) -> NotificationEvent {
        if report.steps.contains(where: { $0.outcome == .failed }) { return .failure }
        if report.steps.contains(where: { $0.outcome == .warning }) { return .warning }
        return .success
    }

    /// The last `tailLines` non-blank lines of `text`, each cut to `lineLimit` characters.
    static func tail(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .filter { !$0.allSatisfy(\.isWhitespace) }
            .suffix(tailLines)
            .map { $0.count > lineLimit ? String($0.prefix(lineLimit)) + "…" : String($0) }
    }

    /// This machine's name (what a snapshot records as its host).
    public static var localHost: String { Host.name }
}
