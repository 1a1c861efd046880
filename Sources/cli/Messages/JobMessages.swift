import Foundation
import Jobs
import Repo

/// One step of `run --json` and `drill --json`, a line each as it ends: `result` is `ok`,
/// `warning`, `failed` or `skipped`.
struct StepMessage: Encodable {
    let message_type = "step"
    let step: String
    let result: String
    let seconds: Double
    let bytes_added: UInt64
    let detail: String

    init(_ step: StepResult) {
        self.step = step.name
        result = step.outcome.rawValue
        seconds = step.seconds
        bytes_added = step.bytesAdded
        detail = step.detail
    }
}

/// `run --json` and `drill --json`: the summary line at the end.
struct RunSummaryMessage: Encodable {
    let message_type = "summary"
    let job: String
    let succeeded: Bool
    let seconds: Double
    let bytes_added: UInt64
    let failed_steps: [String]

    init(_ report: RunReport) {
        job = report.job
        succeeded = report.succeeded
        seconds = report.seconds
        bytes_added = report.bytesAdded
        failed_steps = report.failedSteps.map(\.name)
    }
}

/// `run --dry-run --json`: the plan.
struct JobPlanMessage: Encodable {
    struct Step: Encodable {
        let step: String
        let runs: Bool
        let detail: String
    }

    let job: String
    let file: String
    let steps: [Step]

    init(_ plan: JobPlan, file: String) {
        job = plan.job
        self.file = file
        steps = plan.steps.map { Step(step: $0.name, runs: $0.willRun, detail: $0.detail) }
    }
}

/// One database source of `db list --json` (an array of them). The dump fields are left
/// out when the repository could not be read (then `error` says why) or holds no dump.
struct DatabaseSourceEntry: Encodable {
    let name: String
    let type: String
    let job: String
    let repository: String
    let path: String
    var dumps: Int?
    var latest: String?
    var latest_time: String?
    var latest_bytes: UInt64?
    var error: String?

    init(_ source: DatabaseSource, job: Job) {
        name = source.name
        type = source.kind.rawValue
        self.job = job.name
        repository = job.repository
        path = source.snapshotPath
    }
}

/// `db restore --json`.
struct DatabaseRestoreMessage: Encodable {
    let source: String
    let target: String
    let snapshot: String
    let time: String
    let bytes: UInt64
    let seconds: Double

    init(source: String, target: String, _ result: DatabaseRestore.Result) {
        self.source = source
        self.target = target
        snapshot = result.snapshot.id
        time = MessageEncoding.time(result.snapshot.snapshot.time)
        bytes = result.bytes
        seconds = result.seconds
    }
}

/// One job of `status --json` (an array of them).
struct JobStatusEntry: Encodable {
    /// A run or drill as recorded.
    struct Record: Encodable {
        let started: String
        let host: String
        let seconds: Double
        let succeeded: Bool
        let bytes_added: UInt64
        /// As the record stores them: `name`, `outcome`, `seconds`, `bytes_added`, `detail`.
        let steps: [JobRecord.Step]

        init(_ record: JobRecord) {
            started = MessageEncoding.time(record.started)
            host = record.host
            seconds = record.seconds
            succeeded = record.succeeded
            bytes_added = record.bytesAdded
            steps = record.steps
        }
    }

    /// The last run's check step.
    struct Check: Encodable {
        let started: String
        let outcome: String
        let detail: String
    }

    /// A source of the job; the `latest` fields are left out until it has a snapshot.
    struct Source: Encodable {
        let name: String
        let path: String
        let snapshots: Int
        let latest: String?
        let latest_time: String?
        let latest_bytes: UInt64?

        init(_ source: JobStatus.Source) {
            name = source.name
            path = source.path
            snapshots = source.snapshots
            latest = source.latest?.id
            latest_time = source.latest.map { MessageEncoding.time($0.snapshot.time) }
            latest_bytes = source.latest?.snapshot.summary.bytesTotal
        }
    }

    let job: String
    let repository: String
    @Nullable var last_run: Record?
    @Nullable var last_success: String?
    @Nullable var last_drill: Record?
    /// Left out until the job has a run with a check step.
    let last_check: Check?
    let healthy: Bool
    /// Why the job is not healthy under `--max-age`; left out when it is.
    let stale: String?
    /// Why the repository could not be read; null when it could.
    @Nullable var problem: String?
    let repository_bytes: UInt64
    let packs: Int
    let logical_bytes: UInt64
    let sources: [Source]
    /// The newest archived WAL segment and when it was archived; left out when the
    /// repository archives no WAL.
    let newest_wal: String?
    let newest_wal_archived: String?

    init(_ status: JobStatus, stale: String?) {
        job = status.job
        repository = status.repository
        last_run = status.lastRun.map(Record.init)
        last_success = status.lastSuccessTime.map(MessageEncoding.time)
        last_drill = status.lastDrill.map(Record.init)
        last_check = status.lastCheck.map {
            Check(started: MessageEncoding.time($0.record.started), outcome: $0.step.outcome, detail: $0.step.detail)
        }
        healthy = stale == nil
        self.stale = stale
        problem = status.problem
        repository_bytes = status.repositoryBytes
        packs = status.packs
        logical_bytes = status.logicalBytes
        sources = status.sources.map(Source.init)
        newest_wal = status.newestWAL?.name
        newest_wal_archived = status.newestWAL.map { MessageEncoding.time($0.archived) }
    }
}
