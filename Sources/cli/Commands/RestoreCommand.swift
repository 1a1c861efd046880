import Repo

enum RestoreCommand {
    static let spec = CommandSpec(
        "restore", summary: "restore a snapshot into a directory", usage: "[OPTIONS] SNAPSHOT --target DIR",
        details: "Files already in the target with the right content are not rewritten. Ownership is restored when running as root. "
            + "Data packs the restore needs that are archived (S3 GLACIER, DEEP_ARCHIVE) stop it before it writes anything (exit 20): "
            + "--thaw requests their restore and exits 20 until they are readable, or with --wait waits for them and restores.",
        options: Commands.snapshotFilterOptions + [
            OptionSpec("target", short: "t", value: "DIR", "directory to restore into (created if missing)"),
            OptionSpec("include", short: "i", value: "PATTERN", repeatable: true, "restore only paths matching PATTERN"),
            OptionSpec("exclude", short: "e", value: "PATTERN", repeatable: true, "do not restore paths matching PATTERN"),
            OptionSpec("verify", "read back every restored file and check it against the stored hashes"),
            OptionSpec("jobs", short: "j", value: "N", "threads reading, decrypting and writing (default: number of cores)"),
        ] + ThawArguments.options,
        positionals: 1...1)

    static func run(_ context: CommandContext) throws -> ExitCode {
        guard let target = context.arguments.value("target") else { throw UsageError("restore needs --target DIR") }
        var options = RestoreOptions()
        options.include = context.arguments.all("include").map(ExcludePattern.init)
        options.exclude = context.arguments.all("exclude").map(ExcludePattern.init)
        options.verify = context.arguments.has("verify")
        if let jobs = try context.arguments.integer("jobs", in: 1...256) { options.jobs = jobs }
        options.thaw = try ThawArguments.parse(context)
        let (repository, lock) = try context.openLocked(exclusive: false, operation: "restore", readOnly: true)
        defer { lock.release() }
        let stored = try repository.findSnapshot(context.arguments.positionals[0], filter: Commands.filter(context.arguments))
        let output = context.output
        let summary = try Restorer(repository: repository, options: options, thawEvents: { ThawArguments.report($0, to: output) })
            .restore(stored, to: target)
        for problem in summary.problems { context.output.warning(problem) }
        if context.output.json {
            context.output.emit(RestoreMessage(snapshot: stored.id, summary))
        } else {
            context.output.line("restored snapshot \(stored.shortID) to \(target): \(summary.files) files (\(summary.filesUnchanged) already there)\(summary.filesFailed > 0 ? ", \(summary.filesFailed) failed" : ""), \(summary.directories) directories, \(summary.others) other entries, \(Format.bytes(summary.bytesWritten)) written")
            if options.verify { context.output.line("verified \(summary.filesVerified) files") }
        }
        // Damaged data fails as it does everywhere else (13); the other files are restored.
        if summary.damagedBlobs > 0 { return .damaged }
        return summary.problems.isEmpty ? .success : .failure
    }
}
