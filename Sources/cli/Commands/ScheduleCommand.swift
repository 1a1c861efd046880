import Foundation
import Jobs

/// `repo schedule install | list | remove`: jobs run by systemd timers or cron.
enum ScheduleCommand {
    static let scopeOptions = [
        OptionSpec("user", "the user's own timers (~/.config/systemd/user) or crontab (default when not root)"),
        OptionSpec("system", "system timers (/etc/systemd/system) or /etc/cron.d (default as root)"),
        OptionSpec("cron", "cron instead of a systemd timer (the default where systemd is not running)"),
        OptionSpec("drill", "the job's restore drill (`repo drill JOB`, units repo-drill-JOB) instead of its run"),
    ]
    static let rootOption = OptionSpec("root", value: "DIR", "write under DIR instead of / (an image, a test) and run no systemctl")
    static let dryRunOption = OptionSpec("dry-run", short: "n", "print every file with its contents and every command, and change nothing")

    static let spec = CommandSpec(
        "schedule", summary: "run jobs on a timer: install, list and remove systemd timers or cron lines",
        usage: "install JOB --at SPEC | list | remove JOB",
        subcommands: [
            CommandSpec("install", summary: "run a job (or its drill) on a schedule; installing again replaces it",
                        usage: "[OPTIONS] JOB --at SPEC",
                        details: """
                            SPEC: `daily 03:00`, `hourly`, `every 6h` or `every 30m` (dividing a day or an hour), `weekly sun 04:00`,
                            `monthly 1 04:00`, or a systemd OnCalendar expression (`Mon..Fri *-*-* 02:30`). A systemd timer
                            (repo-JOB.timer and .service, at the lowest CPU and I/O priority, catching up at boot on a run missed
                            while the machine was off) where systemd runs, else a cron line with `--lock-wait 6h` so that
                            overlapping runs queue. Exit status 2: SPEC or JOB is not valid.
                            """,
                        options: [OptionSpec("at", value: "SPEC", "when to run (see above)"), JobCommands.configOption]
                            + scopeOptions + [dryRunOption, rootOption],
                        positionals: 1...1),
            CommandSpec("list", summary: "list installed schedules with their next run and last result",
                        options: [JobCommands.configOption, rootOption]),
            CommandSpec("remove", summary: "remove a job's schedule (disabling its timer first)", usage: "[OPTIONS] JOB",
                        options: scopeOptions + [dryRunOption, rootOption], positionals: 1...1),
        ])

    static func run(_ context: CommandContext) throws -> ExitCode {
        do {
            switch context.arguments.command.last {
            case "install": return try install(context)
            case "list": return try list(context)
            case "remove": return try remove(context)
            default: throw UsageError("unknown schedule command")
            }
        } catch let error as ScheduleError where error.isCommandLineMistake {
            // One line: the accepted forms are in it; the usage line would only repeat them.
            context.output.error(ErrorReport(message: "\(error)", code: .usage))
            return .usage
        }
    }

    private static func host(_ context: CommandContext) throws -> ScheduleHost {
        let arguments = context.arguments
        if arguments.has("user") && arguments.has("system") { throw UsageError("--user and --system exclude each other: give one") }
        let scope: ScheduleHost.Scope? = arguments.has("user") ? .user : arguments.has("system") ? .system : nil
        return ScheduleHost(root: arguments.value("root"), scope: scope, environment: context.environment)
    }

    static func install(_ context: CommandContext) throws -> ExitCode {
        guard let at = context.arguments.value("at") else {
            throw UsageError("schedule install needs --at SPEC: \(ScheduleError.acceptedForms)")
        }
        let spec = try ScheduleSpec.parse(at)
        let name = context.arguments.positionals[0]
        try ScheduledCommand.validate(job: name)  // before the job file: its error is plainer
        let configPath = ScheduledCommand.absolute(try JobFileLocator.locate(explicit: context.arguments.value("config"), environment: context.environment))
        _ = try JobFile.load(configPath).job(name)
        let command = try ScheduledCommand(job: name, drill: context.arguments.has("drill"), executable: ScheduledCommand.runningExecutable(), config: configPath)
        let plan = try ScheduleInstaller(host: try host(context)).install(command, at: spec, cron: context.arguments.has("cron"))
        return try carryOut(plan, title: "\(plan.kind.rawValue) schedule of job \(name) (\(at))", context)
    }

    static func remove(_ context: CommandContext) throws -> ExitCode {
        let name = context.arguments.positionals[0]
        try ScheduledCommand.validate(job: name)
        let plan = try ScheduleInstaller(host: try host(context)).remove(job: name, drill: context.arguments.has("drill"),
                                                                         cron: context.arguments.has("cron"))
        return try carryOut(plan, title: "\(plan.kind.rawValue) schedule of job \(name)", context)
    }

    static func list(_ context: CommandContext) throws -> ExitCode {
        var entries = try ScheduleListing(host: try host(context), stateDirectory: StateDirectory.path(environment: context.environment)).entries()
        if let config = context.arguments.value("config") {
            let jobs = Set(try JobFile.load(config).jobNames)
            entries = entries.filter { jobs.contains($0.job) }
        }
        ScheduleListingView.print(entries, context.output)
        return .success
    }

    /// Prints the plan (`--dry-run`) or applies it, saying what was done.
    private static func carryOut(_ plan: SchedulePlan, title: String, _ context: CommandContext) throws -> ExitCode {
        let output = context.output
        let removing = context.arguments.command.last == "remove"
        if context.arguments.has("dry-run") {
            if output.json {
                output.emit(SchedulePlanMessage(plan, dryRun: true, actions: plan.actions))
                return .success
            }
            output.line("dry run of \(removing ? "removing" : "installing") the \(title); nothing is written or run:")
            for action in plan.actions { output.line(SchedulePlanView.describe(action, done: false)) }
            return .success
        }
        var done: [ScheduleAction] = []
        try ScheduleWriter.apply(plan) { action in
            done.append(action)
            if !output.json { output.line(SchedulePlanView.describe(action, done: true)) }
        }
        if output.json {
            output.emit(SchedulePlanMessage(plan, dryRun: false, actions: done))
        } else {
            output.line("\(removing ? "removed" : "installed") the \(title)")
        }
        return .success
    }
}
