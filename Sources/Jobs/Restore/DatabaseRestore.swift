import Foundation
import Repo

/// `repo db restore NAME --into TARGET`: streams a stored dump into the source's engine,
/// which creates TARGET and loads it (stopping at the first SQL error), or for SQLite
/// writes a new file and checks its integrity.
public struct DatabaseRestore {
    public let source: DatabaseSource
    public let job: Job
    let environment: [String: String]

    public init(source: DatabaseSource, job: Job, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.source = source
        self.job = job
        self.environment = environment
    }

    public struct Result: Sendable {
        public let snapshot: StoredSnapshot
        public let bytes: UInt64
        public let seconds: Double
    }

    /// Restores the dump `spec` names from `repository` (index loaded, lock held by the
    /// caller) into `target`.
    public func restore(from repository: Repository, repositoryName: String, spec: String, into target: String,
                        replace: Bool) throws -> Result {
        let start = Date()
        let (stored, node) = try DumpLocator(repository: repository).dump(of: source, job: job, spec: spec, repositoryName: repositoryName)
        // Archived packs stop the restore before the database is touched, with one line.
        try PackThawGate(backend: repository.backend).makeReadable({ PackArchiveSurvey.packs(of: node, in: repository) }, thaw: nil,
                                                                   purpose: "the database restore",
                                                                   hint: "thaw them first (repo restore --thaw of the same snapshot)")
        let engine = DatabaseEngines.engine(for: source, environment: ChildEnvironment.forChildren(of: environment))
        var written: UInt64 = 0
        try engine.restore(into: target, replace: replace) { fd in
            written = try SnapshotBrowser(repository: repository).dump(node, to: fd)
        }
        return Result(snapshot: stored, bytes: written, seconds: Date().timeIntervalSince(start))
    }
}
