import Foundation

/// What one job run or drill did, as `repo status` shows it: stored in the repository the
/// job writes to (`runs/<id>`, docs/format.md), so any host that opens the repository sees
/// every host's runs; and kept locally too, for runs that never reached the repository.
public struct JobRecord: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        public var name: String
        /// `ok`, `warning`, `failed` or `skipped`.
        public var outcome: String
        public var seconds: Double
        public var bytesAdded: UInt64
        public var detail: String

        public init(name: String, outcome: String, seconds: Double, bytesAdded: UInt64, detail: String) {
            self.name = name
            self.outcome = outcome
            self.seconds = seconds
            self.bytesAdded = bytesAdded
            self.detail = detail
        }

        enum CodingKeys: String, CodingKey {
            case name, outcome, seconds, detail
            case bytesAdded = "bytes_added"
        }
    }

    public var version = 1
    public var job: String
    /// `run` or `drill`.
    public var operation: String
    public var host: String
    public var started: Date
    public var seconds: Double
    public var succeeded: Bool
    /// Bytes the run added to this repository (its snapshots' new data).
    public var bytesAdded: UInt64
    /// The repository's pack bytes when the run ended (0 when unknown).
    public var repositoryBytes: UInt64
    public var steps: [Step]

    public init(job: String, operation: String, host: String, started: Date, seconds: Double, succeeded: Bool,
                bytesAdded: UInt64, repositoryBytes: UInt64 = 0, steps: [Step]) {
        self.job = job
        self.operation = operation
        self.host = host
        self.started = started
        self.seconds = seconds
        self.succeeded = succeeded
        self.bytesAdded = bytesAdded
        self.repositoryBytes = repositoryBytes
        self.steps = steps
    }

    /// `warning` when it succeeded with a step that warned.
    public var hasWarnings: Bool { steps.contains { $0.outcome == "warning" } }
    public var ended: Date { started.addingTimeInterval(seconds) }

    enum CodingKeys: String, CodingKey {
        case version, job, operation, host, started, seconds, succeeded, steps
        case bytesAdded = "bytes_added"
        case repositoryBytes = "repository_bytes"
    }
}
