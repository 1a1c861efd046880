import Foundation
import Repo
import Workers

/// `repo run JOB`: snapshots the job's paths and dumps each database source, then applies
/// the retention policy, prunes and checks on their cadences, and copies to every `copy-to`
/// repository. A step that fails is reported and the others still run (a failed dump never
/// stops the files from being saved); only a repository that cannot be opened ends the
/// steps that need it.
///
/// Each source is its own snapshot (tagged `job:NAME`, paths = the job's paths, or the
/// dump's stable path), so retention keeps N of each source independently, a night whose
/// dump failed does not displace a good dump, and `latest` of a dump path finds the dump.
public final class JobRunner {
    public struct Options: Sendable {
        /// Record this time for the snapshots and judge cadences by it (simulated nights).
        public var time: Date?
        /// Compression and encryption workers.
        public var workers = ProcessInfo.processInfo.activeProcessorCount
        /// Raised (by SIGINT or SIGTERM), the run ends its current step at a safe point and
        /// begins no other; the record and the notifications say so.
        public var cancellation = Cancellation.process
        public init() {}
    }

    let job: Job
    let file: JobFile
    let access: RepositoryAccess
    let store: JobStateStore
    let options: Options
    /// Told each step as it ends, for a live summary.
    let onStep: (StepResult) -> Void
    var now: Date { options.time ?? Date() }

    public init(job: Job, file: JobFile, access: RepositoryAccess, store: JobStateStore, options: Options = .init(),
                onStep: @escaping (StepResult) -> Void = { _ in }) {
        self.job = job
        self.file = file
        self.access = access
        self.store = store
        self.options = options
        self.onStep = onStep
    }

    /// Runs every step; throws only when the run cannot start (another run of the job holds
    /// its lock past the wait). Records the result in the job's state and, when it could be
    /// opened, in the job's repository (`repo status` reads both).
    public func run() throws -> RunReport {
        try store.lock(wait: access.lockWait) { self.access.onLockWait?("another run of job \(self.job.name) on this machine") }
        defer { store.unlock() }
        var state = store.load()
        let clock = Date()
        var report = RunReport(job: job.name, started: now)
        func add(_ step: StepResult) {
            report.steps.append(step)
            onStep(step)
        }

        let mainConfig: RepositoryConfig
        let main: Repository
        do {
            mainConfig = try file.repository(job.repository)
            main = try access.open(mainConfig)
        } catch {
            add(StepResult(name: "open \(job.repository)", outcome: .failed, detail: "\(error)"))
            return finish(report, since: clock, state: &state, repository: nil)
        }
        // After each step the run may have been asked to stop: nothing more is begun.
        func stopped() -> Bool {
            guard options.cancellation.isCancelled else { return false }
            let stop = Cancelled(signal: options.cancellation.signal)
            report.stoppedBy = stop
            add(StepResult(name: "stop", outcome: .failed, detail: "\(stop): the steps after this point were not run"))
            return true
        }
        for step in backUp(main) { add(step) }
        if stopped() { return finish(report, since: clock, state: &state, repository: main) }
        if let step = forgetAndPrune(main, name: mainConfig.name, state: &state) { add(step) }
        for target in job.copyTo {
            if stopped() { return finish(report, since: clock, state: &state, repository: main) }
            for step in copy(from: main, to: target, state: &state) { add(step) }
        }
        if stopped() { return finish(report, since: clock, state: &state, repository: main) }
        for step in check(main, name: mainConfig.name, state: &state) { add(step) }
        if let step = DiskFill(threshold: job.diskWarning).step(for: mainConfig) { add(step) }
        return finish(report, since: clock, state: &state, repository: main)
    }

    /// The host recorded in snapshots and run records.
    var host: String { job.host ?? Host.name }

    private func finish(_ report: RunReport, since clock: Date, state: inout JobState, repository: Repository?) -> RunReport {
        var report = report
        report.seconds = Date().timeIntervalSince(clock)
        let record = report.record(operation: "run", host: host, repositoryBytes: repository?.packTotals().bytes ?? 0)
        if let repository {
            do { try repository.saveJobRecord(record) } catch {
                let step = StepResult(name: "record", outcome: .warning, detail: "the run's record was not stored in the repository: \(error)")
                report.steps.append(step)
                onStep(step)
            }
        }
        state.lastRun = record
        if report.succeeded { state.lastSuccess = report.started }
        do { try store.save(state) } catch {
            let step = StepResult(name: "state", outcome: .failed, detail: "\(error)")
            report.steps.append(step)
            onStep(step)
        }
        return report
    }

    // MARK: Backing up

    /// The files snapshot and one snapshot per database source, under one shared lock.
    private func backUp(_ repository: Repository) -> [StepResult] {
        let names = (job.paths.isEmpty ? [] : ["files"]) + job.databases.map { "database \($0.name)" }
        let lock: RepositoryLock
        do {
            lock = try access.lock(repository, exclusive: false, operation: "run \(job.name)")
        } catch {
            return names.map { StepResult(name: $0, outcome: .failed, detail: "\(error)", isBackup: true) }
        }
        defer { lock.release() }
        var steps: [StepResult] = []
        if !job.paths.isEmpty {
            steps.append(StepResult.measure("files", isBackup: true) {
                let snapshotter = archiver(repository, lock)
                let stored = try snapshotter.snapshot(paths: job.paths)
                let summary = stored.snapshot.summary
                let files = summary.filesNew + summary.filesChanged + summary.filesUnchanged
                let adopted = snapshotter.adopted
                let resumed = adopted.packs > 0 ? "; resumed \(adopted.packs) packs (\(ByteCount.text(adopted.bytes))) of an interrupted upload" : ""
                if stored.snapshot.partial {
                    return (.warning, summary.bytesAdded, "snapshot \(stored.shortID): \(files) files, \(stored.snapshot.problems.count) could not be read: \(stored.snapshot.problems.prefix(3).joined(separator: "; "))\(resumed)")
                }
                return (.ok, summary.bytesAdded, "snapshot \(stored.shortID): \(files) files, \(ByteCount.text(summary.bytesTotal))\(resumed)")
            })
        }
        for source in job.databases where !options.cancellation.isCancelled {
            steps.append(StepResult.measure("database \(source.name)", isBackup: true) {
                let tags = source.kind == .postgresPhysical ? [PhysicalBackup.tag] : []
                let stored = try DatabaseBackup(source: source, environment: access.environment)
                    .snapshot(with: archiver(repository, lock, extraTags: tags))
                return (.ok, stored.snapshot.summary.bytesAdded,
                        "snapshot \(stored.shortID): \(source.snapshotPath), \(ByteCount.text(stored.snapshot.summary.bytesTotal))")
            })
        }
        return steps
    }

    private func archiver(_ repository: Repository, _ lock: RepositoryLock, extraTags: [String] = []) -> Archiver {
        var snapshot = SnapshotOptions()
        snapshot.rules = ExcludeRules(patterns: job.exclude.map(ExcludePattern.init), excludeIfPresent: job.excludeIfPresent,
                                      oneFileSystem: job.oneFileSystem)
        snapshot.tags = job.snapshotTags + extraTags
        snapshot.host = job.host
        snapshot.time = options.time
        snapshot.jobs = options.workers
        snapshot.cancellation = options.cancellation
        return Archiver(repository: repository, options: snapshot, progress: nil, beforeCommit: { try lock.ensureHeld() })
    }

    // MARK: Retention

    /// Forgets by the job's policy (per source) and prunes when the cadence says so, under
    /// one exclusive lock; nil when the job has neither.
    func forgetAndPrune(_ repository: Repository, name: String, state: inout JobState) -> StepResult? {
        let pruneDue = job.prune.isDue(last: state.lastPrune[name], now: now)
        guard job.keep != nil || pruneDue else { return nil }
        let stepName = "retention \(name)"
        var pruned = false
        let step = StepResult.measure(stepName) {
            let lock = try access.lock(repository, exclusive: true, operation: "run \(job.name): forget/prune", loadIndex: false)
            defer { lock.release() }
            var detail: [String] = []
            var forgotten: [StoredSnapshot] = []
            if let policy = job.keep {
                forgotten = try JobRetention(job: job, policy: policy).forget(in: repository)
                detail.append("forgot \(forgotten.count) snapshot\(forgotten.count == 1 ? "" : "s")")
            }
            if pruneDue {
                var options = PruneOptions()
                options.assumeForgotten = Set(forgotten.map(\.id))
                options.cancellation = self.options.cancellation
                let report = try Pruner(repository: repository, options: options).run(lock: lock)
                pruned = true
                detail.append("pruned: freed \(ByteCount.text(report.freedBytes))" + (report.condemnedPacks > 0 ? ", \(report.condemnedPacks) packs condemned for later" : ""))
            } else {
                detail.append("prune not due (\(job.prune.rawValue))")
            }
            return (.ok, 0, detail.joined(separator: "; "))
        }
        if pruned { state.lastPrune[name] = now }
        return step
    }

    // MARK: Copies

    private func copy(from source: Repository, to name: String, state: inout JobState) -> [StepResult] {
        let target: Repository
        do {
            target = try access.open(try file.repository(name))
        } catch {
            return [StepResult(name: "copy \(name)", outcome: .failed, detail: "\(error)")]
        }
        var steps = [StepResult.measure("copy \(name)") {
            let sourceLock = try access.lock(source, exclusive: false, operation: "run \(job.name): copy")
            defer { sourceLock.release() }
            let targetLock = try access.lock(target, exclusive: false, operation: "run \(job.name): copy")
            defer { targetLock.release() }
            var options = CopyOptions()
            options.jobs = self.options.workers
            options.cancellation = self.options.cancellation
            let copier = Copier(source: source, target: target, options: options, beforeCommit: { try targetLock.ensureHeld() })
            let summary = try copier.copy([], filter: SnapshotFilter(tags: [job.jobTag]))
            let text = "\(summary.copied) snapshot\(summary.copied == 1 ? "" : "s") copied, \(summary.alreadyCopied) already there, \(ByteCount.text(summary.bytesStored)) stored"
            if let failed = summary.failed.first, case .failed(let why) = failed.outcome {
                return (.failed, summary.bytesStored, "\(text); \(summary.failed.count) failed: \(failed.source.shortID): \(why)")
            }
            return (.ok, summary.bytesStored, text)
        }]
        if let step = forgetAndPrune(target, name: name, state: &state) { steps.append(step) }
        if job.checkCopies { steps += check(target, name: name, state: &state) }
        return steps
    }

    // MARK: Checks

    private func check(_ repository: Repository, name: String, state: inout JobState) -> [StepResult] {
        let plan = CheckPlan(job: job, repository: name, state: state, now: now)
        guard let subset = plan.subset else { return [] }
        var clean = false
        let step = StepResult.measure("check \(name)") {
            let lock = try access.lock(repository, exclusive: false, operation: "run \(job.name): check")
            defer { lock.release() }
            let report = try Checker(repository: repository, cancellation: options.cancellation).run(readData: subset.readData)
            let scope = subset.description + (subset.readData == nil ? "" : ", \(report.packsRead) packs read (\(ByteCount.text(report.bytesRead)))")
            guard report.isClean else {
                return (.failed, 0, "\(scope): \(report.problems.count) problem(s): \(report.problems.prefix(2).joined(separator: "; ")); run `repo check` for all")
            }
            clean = true
            return (.ok, 0, "\(scope): no problems")
        }
        if clean { plan.record(into: &state) }
        return [step]
    }
}
