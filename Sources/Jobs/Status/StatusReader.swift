import Foundation
import Repo

/// Gathers a job's status from its repository (records, snapshots, index) and this
/// machine's state. A repository that cannot be opened still gives a status: the local
/// record of the last run, and the problem.
public struct StatusReader {
    let file: JobFile
    let access: RepositoryAccess
    let stateDirectory: String
    /// At most this many records are read looking for the last success, check and drill.
    static let recordsRead = 200

    public init(file: JobFile, access: RepositoryAccess, stateDirectory: String) {
        self.file = file
        self.access = access
        self.stateDirectory = stateDirectory
    }

    public func status(of job: Job) -> JobStatus {
        let location = file.repositories[job.repository]?.location ?? job.repository
        var status = JobStatus(job: job.name, repository: job.repository, location: location)
        status.sources = (job.paths.isEmpty ? [] : [JobStatus.Source(name: "files", path: job.paths.joined(separator: " "))])
            + job.databases.map { JobStatus.Source(name: "database \($0.name)", path: $0.snapshotPath) }
        do {
            try read(job, into: &status)
        } catch {
            status.problem = "\(error)"
        }
        merge(JobStateStore(job: job.name, directory: stateDirectory).load(), into: &status)
        return status
    }

    private func read(_ job: Job, into status: inout JobStatus) throws {
        let config = try file.repository(job.repository)
        let repository = try access.open(config)
        let lock = try access.lockForReading(repository, of: config, operation: "status")
        defer { lock.release() }
        (status.packs, status.repositoryBytes) = repository.packTotals()
        if let newest = WALChain(records: try repository.walListing().records).newestSegment {
            status.newestWAL = (newest.name, newest.archived)
        }
        let listing = try repository.snapshotListing()
        // Damaged snapshots make the job unhealthy, but the others are still reported.
        if let damage = listing.damageSummary { status.problem = damage }
        let snapshots = listing.snapshots.filter { $0.snapshot.tags.contains(job.jobTag) }
        status.logicalBytes = snapshots.reduce(0) { $0 + $1.snapshot.summary.bytesTotal }
        let roots = Set(job.paths.map { Archiver.absolute($0).description })
        for index in status.sources.indices {
            let matching = snapshots.filter { stored in
                index == 0 && !job.paths.isEmpty ? Set(stored.snapshot.paths) == roots : stored.snapshot.paths == [status.sources[index].path]
            }
            status.sources[index].snapshots = matching.count
            status.sources[index].latest = matching.last
        }
        var read = 0
        try repository.visitJobRecords { record in
            read += 1
            guard record.job == job.name else { return read < Self.recordsRead }
            if record.operation == "drill" {
                if status.lastDrill == nil { status.lastDrill = record }
            } else {
                if status.lastRun == nil { status.lastRun = record }
                if status.lastSuccess == nil, record.succeeded { status.lastSuccess = record }
                if status.lastCheck == nil, let step = record.steps.first(where: { $0.name == "check \(job.repository)" }) {
                    status.lastCheck = (record, step)
                }
            }
            let done = status.lastRun != nil && status.lastSuccess != nil && status.lastDrill != nil && status.lastCheck != nil
            return !done && read < Self.recordsRead
        }
        status.lastSuccessTime = status.lastSuccess?.started
    }

    /// This machine's state: a run that never reached the repository (it could not be
    /// opened) is newer than any the repository holds.
    private func merge(_ state: JobState, into status: inout JobStatus) {
        if let local = state.lastRun, local.started > status.lastRun?.started ?? .distantPast { status.lastRun = local }
        if let local = state.lastDrill, local.started > status.lastDrill?.started ?? .distantPast { status.lastDrill = local }
        if let local = state.lastSuccess, local > status.lastSuccessTime ?? .distantPast { status.lastSuccessTime = local }
    }
}
