import Foundation
import Repo

/// `repo drill JOB`: proves the job's backups restore. Each database source's latest dump
/// is restored into a scratch database (or file), the job's assertions are run against it,
/// and the scratch copy is dropped (a postgres-physical source: `PhysicalDrill`); a random sample of the latest files snapshot is
/// restored into a scratch directory and verified against the stored hashes. The total
/// time is the measured time to recover, recorded in the job's state.
public final class DrillRunner {
    let job: Job
    let file: JobFile
    let access: RepositoryAccess
    let store: JobStateStore
    /// Where scratch files and directories go (removed after).
    let scratchDirectory: String
    let onStep: (StepResult) -> Void
    /// How long a postgres-physical source's server may take to start and replay the WAL.
    public var recoveryTimeout: TimeInterval = 3600
    /// This program, which a postgres-physical drill's server runs as its restore_command.
    public var executable = PointInTimeRestore.executablePath()

    public init(job: Job, file: JobFile, access: RepositoryAccess, store: JobStateStore,
                scratchDirectory: String = NSTemporaryDirectory(), onStep: @escaping (StepResult) -> Void = { _ in }) {
        self.job = job
        self.file = file
        self.access = access
        self.store = store
        self.scratchDirectory = scratchDirectory
        self.onStep = onStep
    }

    public func run() throws -> RunReport {
        try store.lock(wait: access.lockWait) { self.access.onLockWait?("another run of job \(self.job.name) on this machine") }
        defer { store.unlock() }
        var report = RunReport(job: job.name, started: Date())
        func add(_ step: StepResult) {
            report.steps.append(step)
            onStep(step)
        }
        var opened: Repository?
        do {
            let config = try file.repository(job.repository)
            let repository = try access.open(config)
            opened = repository
            let lock = try access.lockForReading(repository, of: config, operation: "drill \(job.name)")
            defer { lock.release() }
            for source in job.databases {
                let steps = source.kind == .postgresPhysical
                    ? PhysicalDrill(source: source, job: job, access: access, scratchDirectory: scratchDirectory,
                                    recoveryTimeout: recoveryTimeout, executable: executable)
                        .run(repository: repository, config: config)
                    : drill(source, repository: repository, repositoryName: config.name)
                for step in steps { add(step) }
            }
            if !job.paths.isEmpty && job.drillFiles > 0 { add(drillFiles(repository)) }
        } catch {
            add(StepResult(name: opened == nil ? "open \(job.repository)" : "drill", outcome: .failed, detail: "\(error)"))
        }
        report.seconds = Date().timeIntervalSince(report.started)
        let record = report.record(operation: "drill", host: job.host ?? Host.name)
        if let opened {
            do { try opened.saveJobRecord(record) } catch {
                add(StepResult(name: "record", outcome: .warning, detail: "the drill's record was not stored in the repository: \(error)"))
            }
        }
        var state = store.load()
        state.lastDrill = record
        do { try store.save(state) } catch { add(StepResult(name: "state", outcome: .failed, detail: "\(error)")) }
        return report
    }

    /// Restores one source's latest dump into scratch, runs its assertions, drops scratch.
    private func drill(_ source: DatabaseSource, repository: Repository, repositoryName: String) -> [StepResult] {
        let engine = DatabaseEngines.engine(for: source, environment: ChildEnvironment.forChildren(of: access.environment))
        let scratch = engine.scratchTarget(directory: scratchDirectory)
        var restored = false
        var steps = [StepResult.measure("restore \(source.name)") {
            let result = try DatabaseRestore(source: source, job: job, environment: access.environment)
                .restore(from: repository, repositoryName: repositoryName, spec: "latest", into: scratch, replace: false)
            restored = true
            return (.ok, 0, "dump of \(StatusTime.text(result.snapshot.snapshot.time, seconds: false)) (snapshot \(result.snapshot.shortID), \(ByteCount.text(result.bytes))) restored into scratch \(scratch)")
        }]
        defer { if restored || (try? engine.targetState(scratch)) != .missing { try? engine.drop(scratch) } }
        return steps + Self.assertions(of: job, on: source, restored: restored) { try engine.query($0, in: scratch) }
    }

    /// The job's assertions on `source`, each run with `query` (skipped when the restore failed).
    static func assertions(of job: Job, on source: DatabaseSource, restored: Bool, query: (String) throws -> String) -> [StepResult] {
        job.drills.filter { $0.database == source.name }.map { assertion in
            guard restored else {
                return StepResult(name: "assert \(source.name)", outcome: .skipped, detail: "\(assertion.query): not run, the restore failed")
            }
            return StepResult.measure("assert \(source.name)") {
                let answer = try query(assertion.query)
                let met = assertion.expect.isMet(by: answer)
                return (met ? .ok : .failed, 0, "\(assertion.query) -> \(answer.isEmpty ? "(no row)" : answer), expected \(assertion.expect)")
            }
        }
    }

    /// Restores a sample of the latest files snapshot with verification into scratch.
    private func drillFiles(_ repository: Repository) -> StepResult {
        StepResult.measure("files sample") {
            let roots = Set(job.paths.map { Archiver.absolute($0).description })
            guard let latest = try repository.snapshotListing().snapshots.last(where: {
                $0.snapshot.tags.contains(job.jobTag) && Set($0.snapshot.paths) == roots
            }) else {
                throw JobError.noDump(source: "the files of job \(job.name)", repository: job.repository)
            }
            let sample = try FileSample(repository: repository, count: job.drillFiles).paths(in: latest.snapshot)
            guard !sample.isEmpty else { return (.warning, 0, "snapshot \(latest.shortID) holds no regular file to restore") }
            let target = scratchDirectory + "/repo-drill-\(job.name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            defer { try? FileManager.default.removeItem(atPath: target) }
            var options = RestoreOptions()
            options.include = sample.map(ExcludePattern.init)
            options.verify = true
            let summary = try Restorer(repository: repository, options: options).restore(latest, to: target)
            guard summary.problems.isEmpty, summary.damagedBlobs == 0, summary.filesVerified >= sample.count else {
                let problems = summary.problems.prefix(2).joined(separator: "; ")
                return (.failed, 0, "\(summary.filesVerified) of \(sample.count) sampled files verified: \(problems)")
            }
            return (.ok, 0, "\(sample.count) sampled files of snapshot \(latest.shortID) restored and verified (\(ByteCount.text(summary.bytesWritten)))")
        }
    }
}
