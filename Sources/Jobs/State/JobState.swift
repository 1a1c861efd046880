import Foundation

/// What one job remembers between runs, per machine: when its cadenced steps last ran,
/// which read-data part is next, and how its last run and drill went (`repo run` and
/// `repo drill` write it; status and schedules read it). JSON, one file per job.
public struct JobState: Codable, Sendable, Equatable {
    /// Cadenced steps by repository name: when each last completed.
    public var lastPrune: [String: Date] = [:]
    public var lastStructureCheck: [String: Date] = [:]
    public var lastFullRead: [String: Date] = [:]
    /// The next part (1...parts) of a rotating read-data check, by repository name.
    public var nextReadDataPart: [String: Int] = [:]
    public var lastRun: RunRecord?
    public var lastSuccess: Date?
    public var lastDrill: DrillRecord?

    public init() {}
}

/// How a run ended, for status displays and alerts.
public struct RunRecord: Codable, Sendable, Equatable {
    public var started: Date
    public var seconds: Double
    public var succeeded: Bool
    public var bytesAdded: UInt64
    /// One line per step, as the summary printed them.
    public var steps: [StepRecord]
}

public struct StepRecord: Codable, Sendable, Equatable {
    public var name: String
    public var outcome: String
    public var seconds: Double
    public var bytesAdded: UInt64
    public var detail: String
}

/// How a restore drill ended: its duration is the measured time to recover.
public struct DrillRecord: Codable, Sendable, Equatable {
    public var started: Date
    public var seconds: Double
    public var succeeded: Bool
    public var steps: [StepRecord]
}
