import Foundation
import Repo

/// What `repo run JOB --dry-run` shows: every step the run would take with what it would
/// do, judged from the job file and the job's state alone (no repository is opened and no
/// password is needed).
public struct JobPlan: Sendable {
    public struct Step: Sendable {
        public let name: String
        public let willRun: Bool
        public let detail: String
    }

    public let job: String
    public let steps: [Step]

    public init(job: Job, file: JobFile, state: JobState, now: Date) {
        self.job = job.name
        var steps: [Step] = []
        let main = file.repositories[job.repository]?.location ?? job.repository
        if !job.paths.isEmpty {
            let excludes = job.exclude.isEmpty ? "" : ", excluding \(job.exclude.joined(separator: " "))"
            steps.append(Step(name: "files", willRun: true, detail: "snapshot \(job.paths.joined(separator: " "))\(excludes) into \(job.repository) (\(main)), tags \(job.snapshotTags.joined(separator: ","))"))
        }
        for source in job.databases {
            steps.append(Step(name: "database \(source.name)", willRun: true,
                              detail: "\(Self.describe(source)) -> \(source.snapshotPath) in \(job.repository)"))
        }
        func retention(_ repository: String) {
            let pruneDue = job.prune.isDue(last: state.lastPrune[repository], now: now)
            guard job.keep != nil || pruneDue else { return }
            var parts: [String] = []
            if let keep = job.keep { parts.append("forget by policy (\(keep)) per source") }
            parts.append(pruneDue ? "prune (\(job.prune.rawValue), due)" : "no prune (\(job.prune.rawValue), not due)")
            steps.append(Step(name: "retention \(repository)", willRun: true, detail: parts.joined(separator: "; ")))
        }
        func check(_ repository: String) {
            let plan = CheckPlan(job: job, repository: repository, state: state, now: now)
            steps.append(Step(name: "check \(repository)", willRun: plan.subset != nil,
                              detail: plan.subset.map { "check \($0)" } ?? "not due (structure \(job.checkStructure.rawValue), \(job.readData.description))"))
        }
        retention(job.repository)
        for target in job.copyTo {
            steps.append(Step(name: "copy \(target)", willRun: true,
                              detail: "copy new snapshots of job \(job.name) to \(target) (\(file.repositories[target]?.location ?? target))"))
            retention(target)
            if job.checkCopies { check(target) }
        }
        check(job.repository)
        self.steps = steps
    }

    /// The command a source runs, as a person would type it.
    static func describe(_ source: DatabaseSource) -> String {
        var words: [String]
        switch source.kind {
        case .postgres: words = ["pg_dump"]
        case .mysql: words = ["mysqldump", "--single-transaction"]
        case .sqlite: return "online backup of \(source.path ?? "?")"
        case .command: return (source.command ?? []).joined(separator: " ")
        case .postgresPhysical: return PhysicalBackup(host: source.host, port: source.port, user: source.user, name: source.name).command.joined(separator: " ")
        }
        let postgres = source.kind == .postgres
        if let host = source.host { words += !postgres && host.hasPrefix("/") ? ["--socket", host] : ["-h", host] }
        if let port = source.port { words += [postgres ? "-p" : "-P", String(port)] }
        if let user = source.user { words += [postgres ? "-U" : "-u", user] }
        return (words + source.dumpOptions + [source.databaseName]).joined(separator: " ")
    }
}
