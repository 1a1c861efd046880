import Foundation
import Repo

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
    /// This machine's last run and drill of the job (the repository has every host's,
    /// but not a run that failed before it could open the repository).
    public var lastRun: JobRecord?
    public var lastSuccess: Date?
    public var lastDrill: JobRecord?

    public init() {}
}
