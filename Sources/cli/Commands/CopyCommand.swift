import Foundation
import Repo

/// `repo copy`: copies snapshots from one repository to another, sending only what the
/// target lacks.
enum CopyCommand {
    static let spec = CommandSpec(
        "copy", summary: "copy snapshots to another repository, sending only the data it lacks",
        usage: "--from LOCATION [--to LOCATION] [OPTIONS] [SNAPSHOT...]",
        details: """
            Without SNAPSHOT, every snapshot (that the filters admit) is copied. A snapshot copied before is skipped, so
            running the same copy again sends nothing. The target (--to, default --repo or REPO_REPOSITORY) takes the
            password as every command does; the source takes --from-password-file, --from-password-command or
            REPO_FROM_PASSWORD, and otherwise the target's password. Shared locks on both repositories. Source data packs
            the copy needs that are archived (S3 GLACIER, DEEP_ARCHIVE) stop it before it sends anything (exit 20); --thaw
            requests their restore, as for restore.
            """,
        options: [
            OptionSpec("from", value: "LOCATION", "the repository to copy from"),
            OptionSpec("to", value: "LOCATION", "the repository to copy to (default: --repo or REPO_REPOSITORY)"),
            OptionSpec("from-password-file", value: "FILE", "read the source's password from the first line of FILE"),
            OptionSpec("from-password-command", value: "CMD", "run CMD (with sh -c) for the source's password"),
            OptionSpec("jobs", short: "j", value: "N", "compression and encryption workers (default: number of cores)"),
        ] + ThawArguments.options + Commands.snapshotFilterOptions,
        positionals: 0...Int.max)

    static func run(_ context: CommandContext) throws -> ExitCode {
        let arguments = context.arguments
        guard let from = arguments.value("from"), !from.isEmpty else { throw UsageError("copy needs --from LOCATION") }
        guard let to = arguments.value("to") ?? context.location, !to.isEmpty else {
            throw UsageError("no target repository given: use --to, --repo or REPO_REPOSITORY")
        }
        if arguments.value("from-password-file") != nil && arguments.value("from-password-command") != nil {
            throw UsageError("--from-password-file and --from-password-command exclude each other")
        }
        var options = CopyOptions()
        if let jobs = try arguments.integer("jobs", in: 1...256) { options.jobs = jobs }
        options.thaw = try ThawArguments.parse(context)
        let output = context.output
        options.thawEvents = { ThawArguments.report($0, to: output) }

        // Both configs first: a missing repository or one of a newer format is reported
        // before any password is asked for.
        // (Through the context: S3 options apply, and --verbose reports both sides' requests.)
        var sourceOpener = try context.opener(at: from, name: "source repository \(from)")
        var targetOpener = try context.opener(at: to, name: "target repository \(to)")
        let sourceBackend = try sourceOpener.backend()
        let targetBackend = try targetOpener.backend()

        let ownSourcePassword = try sourcePassword(arguments)
        var targetPassword: [UInt8]?
        func passwordOfTarget() throws -> [UInt8] {
            if let targetPassword { return targetPassword }
            let prompt = ownSourcePassword == nil ? "repository password (target and source): " : "target repository password: "
            let password = try context.passwords.password(prompt: prompt)
            targetPassword = password
            return password
        }
        sourceOpener.password = { try ownSourcePassword ?? passwordOfTarget() }
        targetOpener.password = passwordOfTarget
        let source = try sourceOpener.open(backend: sourceBackend)
        let target = try targetOpener.open(backend: targetBackend)
        guard source.id != target.id else { throw CopyError.sameRepository(source.id) }

        // The indexes are read under the locks: one read before could predate a prune.
        let sourceLock = try sourceOpener.lock(source, exclusive: false, operation: "copy", loadIndex: true)
        defer { sourceLock.release() }
        let targetLock = try targetOpener.lock(target, exclusive: false, operation: "copy", loadIndex: true)
        defer { targetLock.release() }

        let copier = Copier(source: source, target: target, options: options, beforeCommit: { try targetLock.ensureHeld() })
        let summary = try copier.copy(arguments.positionals, filter: Commands.filter(arguments))
        for damaged in summary.damagedInSource { context.output.warning("source: \(damaged.warning)") }
        for damaged in summary.damagedInTarget { context.output.warning("target: \(damaged.warning)") }
        report(summary, context.output)
        return summary.failed.isEmpty && summary.damagedInSource.isEmpty ? .success : .damaged
    }

    /// The source's password from its own options or REPO_FROM_PASSWORD; nil when none is
    /// given (the target's is used).
    private static func sourcePassword(_ arguments: ParsedArguments) throws -> [UInt8]? {
        if let file = arguments.value("from-password-file") { return try PasswordSource(file: file, command: nil).password() }
        if let command = arguments.value("from-password-command") {
            return try PasswordSource(file: nil, command: command).password()
        }
        if let value = ProcessInfo.processInfo.environment["REPO_FROM_PASSWORD"] { return Array(value.utf8) }
        return nil
    }

    private static func report(_ summary: CopySummary, _ output: Output) {
        if summary.adopted.packs > 0 && !output.json {
            output.line(SnapshotCommand.resumedLine(summary.adopted))
        }
        for copied in summary.snapshots {
            let source = copied.source.shortID
            let target = copied.target?.shortID ?? ""
            if output.json {
                output.emit(CopiedSnapshotMessage(copied))
                continue
            }
            switch copied.outcome {
            case .copied:
                output.line("copied \(source) -> \(target) (\(copied.blobsSent) blobs, \(Format.bytes(copied.bytesSent)) sent)")
            case .alreadyCopied:
                output.line("\(source) already copied" + (output.verbose ? " (as \(target))" : ""))
            case .failed(let why):
                output.warning("snapshot \(source) not copied: \(why)")
            }
        }
        if output.json {
            output.emit(CopySummaryMessage(summary))
            return
        }
        var line = "\(summary.copied) snapshot(s) copied, \(summary.alreadyCopied) already copied"
        if !summary.failed.isEmpty { line += ", \(summary.failed.count) failed" }
        line += "; \(summary.blobsSent) blobs sent (\(Format.bytes(summary.bytesSent)) of data, \(Format.bytes(summary.bytesStored)) stored)"
        output.line(line)
    }
}
