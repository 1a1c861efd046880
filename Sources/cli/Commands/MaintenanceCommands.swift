import Repo

/// forget (by id), tag, repair: commands that change which snapshots or index objects exist.
enum MaintenanceCommands {
    static let forgetSpec = CommandSpec(
        "forget", summary: "remove snapshots (their data stays until prune)", usage: "[OPTIONS] SNAPSHOT...",
        details: "Takes an exclusive lock. Retention policies (--keep-*) come with the retention issue.",
        options: [OptionSpec("dry-run", short: "n", "only show what would be removed")],
        positionals: 1...Int.max)

    static let tagSpec = CommandSpec(
        "tag", summary: "add, remove or set tags of snapshots", usage: "[OPTIONS] SNAPSHOT...",
        options: [
            OptionSpec("add", value: "TAG", repeatable: true, "add TAG"),
            OptionSpec("remove", value: "TAG", repeatable: true, "remove TAG"),
            OptionSpec("set", value: "TAG", repeatable: true, "replace all tags by these"),
        ],
        positionals: 1...Int.max)

    static let repairSpec = CommandSpec(
        "repair", summary: "rebuild repository structures", usage: "index",
        subcommands: [CommandSpec("index", summary: "rebuild the index from the pack headers (exclusive lock)")])

    static func forget(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository()
        let lock = try RepositoryLock.acquire(repository, exclusive: true, operation: "forget")
        defer { lock.release() }
        let snapshots = try context.arguments.positionals.map { try repository.findSnapshot($0) }
        if !context.arguments.has("dry-run") { try repository.forget(snapshots) }
        for stored in snapshots {
            context.output.line("\(context.arguments.has("dry-run") ? "would remove" : "removed") snapshot \(stored.shortID)")
        }
        return .success
    }

    static func tag(_ context: CommandContext) throws -> ExitCode {
        let arguments = context.arguments
        let add = arguments.all("add"), remove = arguments.all("remove")
        let set: [String]? = arguments.values["set"]
        guard !add.isEmpty || !remove.isEmpty || set != nil else { throw UsageError("tag needs --add, --remove or --set") }
        let repository = try context.openRepository()
        let lock = try RepositoryLock.acquire(repository, exclusive: false, operation: "tag")
        defer { lock.release() }
        for spec in arguments.positionals {
            let stored = try repository.findSnapshot(spec)
            let changed = try repository.retag(stored, add: add, remove: remove, set: set)
            context.output.line(changed.id == stored.id ? "snapshot \(stored.shortID): unchanged"
                                                        : "snapshot \(stored.shortID) is now \(changed.shortID), tags: \(changed.snapshot.tags.joined(separator: ","))")
        }
        return .success
    }

    static func repair(_ context: CommandContext) throws -> ExitCode {
        let backend = try context.backend()
        try Repository.checkFormatVersion(backend: backend)
        let repository = try Repository.open(backend: backend, password: try context.passwords.password(),
                                             cacheDirectory: nil, loadIndex: false)
        let lock = try RepositoryLock.acquire(repository, exclusive: true, operation: "repair index")
        defer { lock.release() }
        let report = try IndexRepair(repository: repository).run()
        for damaged in report.damagedPacks { context.output.warning(damaged) }
        if context.output.json {
            context.output.emit(["packs": report.packsIndexed, "blobs": report.blobsIndexed, "damaged_packs": report.damagedPacks,
                                 "index_written": report.indexObjectsWritten, "index_removed": report.indexObjectsRemoved])
        } else {
            context.output.line("indexed \(report.blobsIndexed) blobs in \(report.packsIndexed) packs; wrote \(report.indexObjectsWritten) index objects, removed \(report.indexObjectsRemoved)")
            if !report.damagedPacks.isEmpty { context.output.line("\(report.damagedPacks.count) damaged pack(s) left out: run `repo check`") }
        }
        return report.damagedPacks.isEmpty ? .success : .damaged
    }
}
