/// Failures of job files and runs that are not a step's own: one line naming the thing.
public enum JobError: Error, CustomStringConvertible, Sendable {
    case noJobFile(searched: [String])
    case unreadableFile(path: String, reason: String)
    case unknownJob(name: String, file: String, known: String)
    case unknownRepository(name: String, file: String)
    case unknownSource(name: String, known: [String])
    case ambiguousSource(name: String, jobs: [String])
    case noDump(source: String, repository: String)
    case noDumpInSnapshot(source: String, snapshot: String, path: String)
    case alreadyRunning(job: String, waited: String)

    public var description: String {
        switch self {
        case .noJobFile(let searched):
            return "no job file: give --config FILE or set REPO_CONFIG (looked in \(searched.joined(separator: ", ")))"
        case .unreadableFile(let path, let reason): return "cannot read job file \(path): \(reason)"
        case .unknownJob(let name, let file, let known): return "no job \(name.debugDescription) in \(file); \(known)"
        case .unknownRepository(let name, let file): return "no repository \(name.debugDescription) in \(file)"
        case .unknownSource(let name, let known):
            return "no database source \(name.debugDescription) in the job file" + (known.isEmpty ? "" : "; sources: \(known.joined(separator: ", "))")
        case .ambiguousSource(let name, let jobs):
            return "database source \(name.debugDescription) is in several jobs (\(jobs.joined(separator: ", "))): add --job JOB"
        case .noDump(let source, let repository):
            return "no snapshot in \(repository) holds a dump of \(source): run its job first (`repo run JOB`)"
        case .noDumpInSnapshot(let source, let snapshot, let path):
            return "snapshot \(snapshot) holds no dump of \(source) (no file \(path)): see `repo db list`"
        case .alreadyRunning(let job, let waited):
            return "job \(job) is already running on this machine (waited \(waited)); raise lock-wait or try later"
        }
    }
}
