import Foundation
import Jobs
import Repo
import Storage
import Workers

/// `repo run JOB` and `repo drill JOB`: a job file's jobs, run and drilled.
enum JobCommands {
    static let configOption = OptionSpec("config", value: "FILE", "the job file (default: REPO_CONFIG, /etc/repo/jobs.toml, ~/.config/repo/jobs.toml)")

    static let runSpec = CommandSpec(
        "run", summary: "run a job of the job file: snapshot its paths and databases, forget, prune, copy, check",
        usage: "[OPTIONS] JOB",
        details: """
            Every database source is dumped into its own snapshot (at /databases/KIND/NAME), tagged job:JOB with the
            files' snapshot. A step that fails is named in the summary and the other steps still run. Prune and check
            run on the job's cadences, remembered in the state directory (REPO_STATE_DIR, /var/lib/repo for root,
            else ~/.local/state/repo). Exit status 0: every step succeeded; 16: a step failed; 17: the job file is wrong.
            """,
        options: [
            configOption,
            OptionSpec("dry-run", short: "n", "print the plan (steps, cadences, commands) and run nothing"),
            OptionSpec("time", value: "TIME", "record TIME for the snapshots and judge cadences by it (`YYYY-MM-DD HH:MM:SS`, 1970 to 9999)"),
            OptionSpec("jobs", short: "j", value: "N", "compression and encryption workers (default: number of cores)"),
        ],
        positionals: 1...1)

    static let drillSpec = CommandSpec(
        "drill", summary: "prove a job's backups restore: databases into scratch copies with assertions, a sample of files",
        usage: "[OPTIONS] JOB",
        details: """
            Restores the latest dump of each database source into a scratch database (or file), runs the job's
            [[job.JOB.drill]] assertions against it, drops it, and restores a random sample of the latest files
            snapshot (drill-files, default 20) with verification. A postgres-physical source is restored to the end
            of its archived WAL into a scratch directory and its assertions run on a throwaway server started there
            (unix socket only, no archiving), stopped and removed after. The total time is the measured time to recover.
            Exit status 0: everything restored and every assertion held; 16: something did not.
            """,
        options: [configOption],
        positionals: 1...1)

    static func loadFile(_ context: CommandContext) throws -> JobFile {
        try JobFile.load(try JobFileLocator.locate(explicit: context.arguments.value("config"), environment: context.environment))
    }

    static func access(_ context: CommandContext, job: Job) -> RepositoryAccess {
        // --limit-upload/--limit-download (or their variables) override the job's limits.
        context.applyBandwidthLimits(upload: job.limitUpload, download: job.limitDownload)
        let output = context.output
        // --lock-wait (or REPO_LOCK_WAIT) overrides the job's own wait.
        let given = context.arguments.value("lock-wait") != nil || context.environment["REPO_LOCK_WAIT"] != nil
        let wait = given ? context.lockWait : job.lockWait
        var access = RepositoryAccess(environment: context.environment, cacheDirectory: context.cacheDirectory, lockWait: wait) { holder in
            output.warning("waiting up to \(TimeSpan.describe(wait)) for the lock held by \(holder)")
        }
        access.passwordFile = context.arguments.value("password-file")
        access.passwordCommand = context.arguments.value("password-command")
        access.onReadWithoutLock = { note in if !output.quiet { Console.error("repo: \(note)\n") } }
        access.retryBudget = job.retryBudget
        access.onRetry = context.retries.observer
        return access
    }

    static func run(_ context: CommandContext) throws -> ExitCode {
        var options = JobRunner.Options()
        if let time = try DateParsing.option(context.arguments) { options.time = time }
        if let workers = try context.arguments.integer("jobs", in: 1...256) { options.workers = workers }
        let (file, job) = try loadJob(context, operation: "run")
        let store = JobStateStore(job: job.name, directory: StateDirectory.path(environment: context.environment))
        if context.arguments.has("dry-run") {
            let plan = JobPlan(job: job, file: file, state: store.load(), now: options.time ?? Date())
            printPlan(plan, file: file, context.output)
            return .success
        }
        let output = context.output
        if !output.json { output.line("job \(job.name) (\(file.path)):") }
        let runner = JobRunner(job: job, file: file, access: access(context, job: job), store: store, options: options) { step in
            printStep(step, output)
        }
        let report = try notified(context, file: file, job: job, operation: "run") { try runner.run() }
        printSummary(report, verb: "run", output)
        if let stop = report.stoppedBy { throw stop.saying("the run stopped after \(report.steps.count - 1) step(s); its record and notifications say so") }
        return report.succeeded ? .success : .jobFailed
    }

    static func drill(_ context: CommandContext) throws -> ExitCode {
        let (file, job) = try loadJob(context, operation: "drill")
        let output = context.output
        if !output.json { output.line("drill of job \(job.name) (\(file.path)):") }
        let store = JobStateStore(job: job.name, directory: StateDirectory.path(environment: context.environment))
        let drill = DrillRunner(job: job, file: file, access: access(context, job: job), store: store) { step in
            printStep(step, output)
        }
        let report = try notified(context, file: file, job: job, operation: "drill") { try drill.run() }
        printSummary(report, verb: "drill", output)
        return report.succeeded ? .success : .jobFailed
    }

    // MARK: Notifications

    /// The job file and the job named on the command line. A file or job that cannot be
    /// loaded is told, as a failure, to whatever notifiers can still be read from the file.
    private static func loadJob(_ context: CommandContext, operation: String) throws -> (JobFile, Job) {
        let name = context.arguments.positionals[0]
        var path: String?
        do {
            path = try JobFileLocator.locate(explicit: context.arguments.value("config"), environment: context.environment)
            let file = try JobFile.load(path!)
            return (file, try file.job(name))
        } catch {
            if let path {
                let notification = JobNotification.failure(job: name, operation: operation, error: "\(error)")
                warn(dispatcher(context, JobFile.salvageNotifiers(path)).send(notification), context.output)
            }
            throw error
        }
    }

    /// Tells the job's notifiers that `operation` starts, runs it, and tells them how it
    /// ended (a run that could not start at all is a failure). Never changes the outcome.
    private static func notified(_ context: CommandContext, file: JobFile, job: Job, operation: String,
                                 _ body: () throws -> RunReport) throws -> RunReport {
        let dispatcher = dispatcher(context, file.notifiers(of: job))
        let host = job.host ?? JobNotification.localHost
        warn(dispatcher.send(.start(job: job.name, operation: operation, host: host)), context.output)
        let report: RunReport
        do {
            report = try body()
        } catch {
            warn(dispatcher.send(.failure(job: job.name, operation: operation, host: host, error: "\(error)")), context.output)
            throw error
        }
        warn(dispatcher.send(JobNotification(report: report, operation: operation, host: host)), context.output)
        return report
    }

    private static func dispatcher(_ context: CommandContext, _ notifiers: [NotifierConfig]) -> NotificationDispatcher {
        NotificationDispatcher(notifiers: notifiers, environment: context.environment)
    }

    private static func warn(_ warnings: [String], _ output: Output) {
        for warning in warnings { output.warning(warning) }
    }

    // MARK: Presentation

    static func printStep(_ step: StepResult, _ output: Output) {
        if output.json {
            output.emit(StepMessage(step))
            return
        }
        let added = step.bytesAdded > 0 ? "+" + Format.bytes(step.bytesAdded) : ""
        let line = "  " + step.name.padding(toLength: 20, withPad: " ", startingAt: 0) + " "
            + step.outcome.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            + String(format: "%8.1fs ", step.seconds) + added.leftPadded(11) + "  " + step.detail
        if step.outcome == .failed { output.warning("\(step.name) failed: \(step.detail)") }
        output.line(line)
    }

    static func printSummary(_ report: RunReport, verb: String, _ output: Output) {
        if output.json {
            output.emit(RunSummaryMessage(report))
            return
        }
        let failed = report.failedSteps.map(\.name)
        let outcome = report.succeeded ? "succeeded" : "FAILED (\(failed.joined(separator: ", ")))"
        let added = verb == "run" ? ", added \(Format.bytes(report.bytesAdded))" : ""
        output.line("\(verb) of job \(report.job) \(outcome) in \(String(format: "%.1f", report.seconds)) s\(added)")
    }

    static func printPlan(_ plan: JobPlan, file: JobFile, _ output: Output) {
        if output.json {
            output.emit(JobPlanMessage(plan, file: file.path))
            return
        }
        output.line("dry run of job \(plan.job) (\(file.path)); nothing is run:")
        for step in plan.steps {
            output.line("  " + step.name.padding(toLength: 20, withPad: " ", startingAt: 0) + " "
                        + (step.willRun ? "would run  " : "skipped    ") + step.detail)
        }
    }
}
