import Foundation
import Repo
import Storage

/// A `[job.NAME]` table: what one `repo run NAME` backs up, where, and what it does after.
public struct Job: Sendable {
    public var name: String
    /// The repository snapshots go to (a `[repository.NAME]`).
    public var repository: String
    /// Repositories every snapshot of the job is copied to after each run.
    public var copyTo: [String] = []
    public var paths: [String] = []
    public var exclude: [String] = []
    public var excludeIfPresent: [String] = []
    public var oneFileSystem = false
    /// Tags added to every snapshot of the job (besides `job:NAME`).
    public var tags: [String] = []
    /// Recorded host name; default this machine's.
    public var host: String?
    /// The retention policy applied after each run (nil: keep everything).
    public var keep: RetentionPolicy?
    public var prune: Cadence = .weekly
    public var checkStructure: Cadence = .daily
    public var readData: ReadDataSchedule = .full(.never)
    /// Whether checks also run on the `copy-to` repositories.
    public var checkCopies = false
    public var databases: [DatabaseSource] = []
    public var drills: [DrillAssertion] = []
    /// How many files a drill restores and verifies.
    public var drillFiles = 20
    /// A run warns when the file system of a local repository is fuller than this (percent;
    /// 0: never).
    public var diskWarning = 85
    /// The `[notify.NAME]` notifiers this job tells; nil: all of them.
    public var notify: [String]?
    /// How long a run waits for a lock held by another process before failing.
    public var lockWait: TimeInterval = 30 * 60
    /// Bandwidth limits for the job's object-store traffic (`limit-upload`,
    /// `limit-download`); nil: none, unless the command line sets one.
    public var limitUpload: BandwidthSchedule?
    public var limitDownload: BandwidthSchedule?
    /// `retry-budget`: how long a request to a store is retried, for every repository the
    /// job touches (over each repository's own); nil: theirs, or the default.
    public var retryBudget: TimeInterval?

    public init(name: String, repository: String) {
        self.name = name
        self.repository = repository
    }

    /// The tag every snapshot of this job carries: it selects the job's snapshots for
    /// retention, copies, `db` and drills.
    public var jobTag: String { "job:\(name)" }

    public var snapshotTags: [String] { [jobTag] + tags.filter { $0 != jobTag } }
}

/// A `[[job.NAME.drill]]` table: a query run against the restored scratch copy of one
/// database source, and what its answer must be.
public struct DrillAssertion: Sendable, Equatable {
    public var database: String
    public var query: String
    public var expect: Expectation

    public init(database: String, query: String, expect: Expectation) {
        self.database = database
        self.query = query
        self.expect = expect
    }
}
