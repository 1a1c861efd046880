import Repo

/// The command table, and the dispatch from a parsed command line to its implementation.
enum Commands {
    static let snapshotFilterOptions = [
        OptionSpec("host", value: "HOST", repeatable: true, "only snapshots of HOST"),
        OptionSpec("tag", value: "TAG", repeatable: true, "only snapshots with TAG"),
        OptionSpec("path", value: "PATH", repeatable: true, "only snapshots of exactly these paths"),
    ]

    static let all: [CommandSpec] = [
        CommandSpec("init", summary: "create a repository and its first key",
                    details: "The repository location comes from --repo or REPO_REPOSITORY; the password as for every command.",
                    options: [
                        OptionSpec("pack-size", value: "MIB", "target size of data packs in MiB (1 to 1024, default 16)"),
                        OptionSpec("dump-chunk-size", value: "KIB",
                                   "average chunk of every database dump in KiB, a power of two (default: 8, or 1024 for a dump that compresses 16 times or more)"),
                        OptionSpec("compression", value: "ALGO[:LEVEL]", InitCommand.compressionHelp),
                        OptionSpec("segment-size", value: "KIB",
                                   "compress consecutive new chunks together in segments of up to KIB (64 to 16384, default 1024; 0: each chunk alone, readable by repo before segments)"),
                    ]),
        SnapshotCommand.spec,
        CommandSpec("snapshots", summary: "list snapshots", options: snapshotFilterOptions),
        CommandSpec("ls", summary: "list the files of a snapshot", usage: "[OPTIONS] SNAPSHOT [PATH]",
                    details: "SNAPSHOT is an id, a unique id prefix, or `latest`.",
                    options: snapshotFilterOptions + [OptionSpec("long", short: "l", "show mode, owner, size and time")],
                    positionals: 1...2),
        CommandSpec("diff", summary: "show what changed between two snapshots", usage: "[OPTIONS] SNAPSHOT_A SNAPSHOT_B",
                    positionals: 2...2),
        CommandSpec("dump", summary: "write one file of a snapshot to standard output", usage: "[OPTIONS] SNAPSHOT PATH",
                    details: "For example `repo dump latest /db.sql | psql mydb`.",
                    options: snapshotFilterOptions, positionals: 2...2),
        RestoreCommand.spec,
        CommandSpec("check", summary: "verify the repository's structure, and with --read-data every byte",
                    options: [
                        OptionSpec("read-data", "read, decrypt and verify every blob"),
                        OptionSpec("read-data-subset", value: "SUBSET", "read part of the data: `n/m` (part n of m) or `P%`"),
                    ]),
        CommandSpec("stats", summary: "show sizes: logical, stored, deduplication and compression",
                    usage: "[OPTIONS] [SNAPSHOT...]", options: snapshotFilterOptions, positionals: 0...Int.max),
        KeyCommand.spec,
        MaintenanceCommands.forgetSpec,
        PruneCommand.spec,
        MaintenanceCommands.policySpec,
        MaintenanceCommands.tagSpec,
        MaintenanceCommands.repairSpec,
        CopyCommand.spec,
        JobCommands.runSpec,
        DatabaseCommand.spec,
        JobCommands.drillSpec,
        ScheduleCommand.spec,
        StatusCommand.spec,
        WALCommand.spec,
        PostgresCommand.spec,
        CommandSpec("unlock", summary: "remove stale locks (of dead processes, or not refreshed for 30 minutes)",
                    options: [OptionSpec("remove-all", "remove every lock, even live ones")]),
        CommandSpec("version", summary: "print the version"),
    ]

    static let version = "repo 0.1.0 (reads repository formats 1-\(RepositoryFormatVersions.newest))"

    /// The spec and command words named at the start of `arguments`, for usage messages.
    static func spec(for arguments: [String]) -> (CommandSpec, [String])? {
        guard let name = arguments.first(where: { !$0.hasPrefix("-") }), let spec = all.first(where: { $0.name == name }) else {
            return nil
        }
        return (spec, [name])
    }

    static func run(_ parsed: ParsedArguments, context: CommandContext) throws -> ExitCode {
        switch parsed.command.first {
        case "init": return try InitCommand.run(context)
        case "snapshot": return try SnapshotCommand.run(context)
        case "snapshots": return try ListingCommands.snapshots(context)
        case "ls": return try ListingCommands.ls(context)
        case "diff": return try ListingCommands.diff(context)
        case "dump": return try ListingCommands.dump(context)
        case "restore": return try RestoreCommand.run(context)
        case "check": return try CheckCommand.run(context)
        case "stats": return try StatsCommand.run(context)
        case "key": return try KeyCommand.run(context)
        case "forget": return try MaintenanceCommands.forget(context)
        case "prune": return try PruneCommand.run(context)
        case "policy": return try MaintenanceCommands.policyCommand(context)
        case "tag": return try MaintenanceCommands.tag(context)
        case "repair": return try MaintenanceCommands.repair(context)
        case "copy": return try CopyCommand.run(context)
        case "run": return try JobCommands.run(context)
        case "db": return try DatabaseCommand.run(context)
        case "drill": return try JobCommands.drill(context)
        case "schedule": return try ScheduleCommand.run(context)
        case "status": return try StatusCommand.run(context)
        case "wal": return try WALCommand.run(context)
        case "pg": return try PostgresCommand.run(context)
        case "unlock": return try InitCommand.unlock(context)
        case "version":
            context.output.line(version)
            return .success
        default:
            throw UsageError("unknown command")
        }
    }

    static func filter(_ arguments: ParsedArguments) -> SnapshotFilter {
        SnapshotFilter(hosts: arguments.all("host"), tags: arguments.all("tag"), paths: arguments.all("path"))
    }
}
