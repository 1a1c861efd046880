import Foundation

/// A job file: named repositories and the jobs that write to them (docs/guide.md, "Job
/// files"). Read with `JobFile.load`; every mistake in it is one `TOMLError` naming the
/// file, line and column.
public struct JobFile: Sendable {
    /// Where it was read from, for messages and for the command lines schedules write.
    public var path: String
    public var repositories: [String: RepositoryConfig]
    /// Jobs by name, and their names in the file's order.
    public var jobs: [String: Job]
    public var jobNames: [String]
    /// The `[notify.NAME]` notifiers, in the file's order.
    public var notifiers: [NotifierConfig]

    public init(path: String, repositories: [String: RepositoryConfig], jobs: [Job], notifiers: [NotifierConfig] = []) {
        self.path = path
        self.repositories = repositories
        self.notifiers = notifiers
        self.jobs = Dictionary(jobs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.jobNames = jobs.map(\.name)
    }

    /// The job called `name`, or an error listing the jobs there are.
    public func job(_ name: String) throws -> Job {
        guard let job = jobs[name] else {
            let known = jobNames.isEmpty ? "it defines no job" : "its jobs: \(jobNames.joined(separator: ", "))"
            throw JobError.unknownJob(name: name, file: path, known: known)
        }
        return job
    }

    public func repository(_ name: String) throws -> RepositoryConfig {
        guard let repository = repositories[name] else { throw JobError.unknownRepository(name: name, file: path) }
        return repository
    }

    /// The notifiers `job` tells.
    public func notifiers(of job: Job) -> [NotifierConfig] {
        guard let names = job.notify else { return notifiers }
        return notifiers.filter { names.contains($0.name) }
    }

    /// Every database source with the job it belongs to, in file order.
    public var databaseSources: [(job: Job, source: DatabaseSource)] {
        jobNames.compactMap { jobs[$0] }.flatMap { job in job.databases.map { (job, $0) } }
    }

    /// The notifiers that can still be read from a job file that does not load, so that
    /// its failure is told to someone; none when even its syntax is broken.
    public static func salvageNotifiers(_ path: String) -> [NotifierConfig] { NotifierDecoder.salvage(file: path) }

    /// Reads and checks the job file at `path`.
    public static func load(_ path: String) throws -> JobFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JobError.unreadableFile(path: path, reason: FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw JobError.unreadableFile(path: path, reason: "not UTF-8 text")
        }
        return try JobFileDecoder(file: path).decode(text)
    }
}
