import Foundation
import Repo
import Storage

/// Where a job stands: its last run, last success, last check and drill (from the
/// repository's records of every host and this machine's own), each source's newest
/// snapshot, and the repository's size. What `repo status` prints and monitors read.
public struct JobStatus: Sendable {
    /// One source of the job (its files, or a database) and its newest snapshot.
    public struct Source: Sendable {
        public let name: String
        public let path: String
        public var snapshots = 0
        public var latest: StoredSnapshot?
    }

    public let job: String
    public let repository: String
    public let location: String
    public var lastRun: JobRecord?
    public var lastSuccess: JobRecord?
    /// When the last success happened, also when only this machine's state knows it.
    public var lastSuccessTime: Date?
    public var lastDrill: JobRecord?
    /// The newest run that checked the repository, and that check step.
    public var lastCheck: (record: JobRecord, step: JobRecord.Step)?
    public var sources: [Source] = []
    public var packs = 0
    /// The newest archived PostgreSQL WAL segment and when it was archived: its age is the
    /// recovery point actually achieved. Nil when the repository archives no WAL.
    public var newestWAL: (name: String, archived: Date)?
    public var repositoryBytes: UInt64 = 0
    /// Sum of every snapshot's size: what restoring each of them would write.
    public var logicalBytes: UInt64 = 0
    /// Why the repository could not be read (status then rests on this machine's state),
    /// or which of its snapshots are damaged.
    public var problem: String?

    public init(job: String, repository: String, location: String) {
        self.job = job
        self.repository = repository
        self.location = location
    }

    /// Logical over stored: what deduplication and compression save together.
    public var savingsRatio: Double? {
        repositoryBytes == 0 || logicalBytes == 0 ? nil : Double(logicalBytes) / Double(repositoryBytes)
    }

    /// Why a monitor should page: the last run failed, or the last success is older than
    /// `maxAge` (or there never was one); nil when healthy.
    public func staleness(maxAge: TimeInterval, now: Date = Date()) -> String? {
        if let lastRun, !lastRun.succeeded {
            let failed = lastRun.steps.filter { $0.outcome == "failed" }.map(\.name)
            return "job \(job): the last run (\(StatusTime.text(lastRun.started)) on \(lastRun.host)) failed: \(failed.joined(separator: ", "))"
        }
        guard let success = lastSuccessTime else { return "job \(job): no successful run yet" }
        let age = now.timeIntervalSince(success)
        guard age <= maxAge else {
            return "job \(job): the last success was \(StatusTime.age(age)) ago (\(StatusTime.text(success))), older than \(TimeSpan.describe(maxAge))"
        }
        return nil
    }
}

/// Times in status output and step details.
public enum StatusTime {
    /// `2026-12-07 03:00:12` in local time (`03:00` without `seconds`).
    public static func text(_ date: Date, seconds: Bool = true) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// `3h12m`, `2d4h`: how long ago, to the nearest minute.
    public static func age(_ seconds: TimeInterval) -> String {
        let minutes = Int(max(0, seconds) / 60)
        if minutes < 60 { return "\(minutes)m" }
        if minutes < 48 * 60 { return "\(minutes / 60)h\(minutes % 60 == 0 ? "" : "\(minutes % 60)m")" }
        return "\(minutes / 1440)d\(minutes % 1440 / 60 == 0 ? "" : "\(minutes % 1440 / 60)h")"
    }
}
