import Foundation
import Repo

enum SnapshotCommand {
    static let spec = CommandSpec(
        "snapshot", summary: "back up files, directories or a stream",
        usage: "[OPTIONS] PATH...  |  --stdin --stdin-name NAME  |  --stdin-from-command [--stdin-name NAME] -- COMMAND...",
        details: """
            Unchanged files (same size, mtime, ctime and inode as in the parent snapshot) are not read again.
            Exit status 0: complete; 3: written, but some files could not be read (listed); 15: the command of
            --stdin-from-command failed and no snapshot was written.
            """,
        options: [
            OptionSpec("exclude", short: "e", value: "PATTERN", repeatable: true, "skip paths matching PATTERN (`*.log`, `/srv/app/tmp`, `**/cache`)"),
            OptionSpec("exclude-file", value: "FILE", repeatable: true, "read exclude patterns from FILE, one per line"),
            OptionSpec("exclude-if-present", value: "NAME", repeatable: true, "skip directories containing NAME (e.g. CACHEDIR.TAG)"),
            OptionSpec("one-file-system", short: "x", "stay on the file systems of the given paths"),
            OptionSpec("tag", value: "TAG", repeatable: true, "add TAG to the snapshot"),
            OptionSpec("host", value: "HOST", "record HOST instead of this machine's name"),
            OptionSpec("time", value: "TIME", "record TIME (RFC 3339 or `YYYY-MM-DD HH:MM:SS`, 1970 to 9999) instead of now"),
            OptionSpec("parent", value: "SNAPSHOT", "compare with SNAPSHOT instead of the latest of the same host and paths"),
            OptionSpec("force", "read every file, even unchanged ones"),
            OptionSpec("stdin", "back up standard input as one file"),
            OptionSpec("stdin-name", value: "NAME", "file name for --stdin or --stdin-from-command (default stdin)"),
            OptionSpec("stdin-from-command", "back up the output of COMMAND (after --); fail if it fails"),
            OptionSpec("jobs", short: "j", value: "N", "compression and encryption workers (default: number of cores)"),
        ],
        positionals: 0...Int.max)

    static func run(_ context: CommandContext) throws -> ExitCode {
        let arguments = context.arguments
        var options = SnapshotOptions()
        var patterns = arguments.all("exclude").map(ExcludePattern.init)
        for file in arguments.all("exclude-file") { patterns += try ExcludePattern.read(excludeFile: file) }
        options.rules = ExcludeRules(patterns: patterns,
                                         excludeIfPresent: arguments.all("exclude-if-present"),
                                         oneFileSystem: arguments.has("one-file-system"))
        options.tags = arguments.all("tag")
        options.host = arguments.value("host")
        options.parent = arguments.value("parent")
        options.ignoreParent = arguments.has("force")
        if let jobs = try arguments.integer("jobs", in: 1...256) { options.jobs = jobs }
        if let time = try DateParsing.option(arguments) { options.time = time }
        let fromStdin = arguments.has("stdin"), fromCommand = arguments.has("stdin-from-command")
        if fromStdin && fromCommand { throw UsageError("--stdin and --stdin-from-command exclude each other") }
        if !fromStdin && !fromCommand && arguments.positionals.isEmpty { throw UsageError("nothing to back up: give at least one PATH") }
        if fromStdin && !arguments.positionals.isEmpty { throw UsageError("--stdin takes no PATH") }
        if fromCommand { try checkCommand(arguments) }

        let (repository, lock) = try context.openLocked(exclusive: false, operation: "snapshot")
        defer { lock.release() }
        let display = ProgressDisplay(output: context.output)
        context.retries.show(on: display.isActive ? display : nil)
        defer { context.retries.show(on: nil) }
        let onProgress: (@Sendable (SnapshotProgress) -> Void)? = display.isActive ? { @Sendable progress in display.show(progress) } : nil
        let archiver = Archiver(repository: repository, options: options, progress: onProgress, beforeCommit: { try lock.ensureHeld() })
        let stored: StoredSnapshot
        if fromStdin {
            stored = try archiver.snapshot(stream: STDIN_FILENO, name: arguments.value("stdin-name") ?? "stdin")
        } else if fromCommand {
            stored = try archiver.snapshot(command: arguments.afterDashDash ?? [], name: arguments.value("stdin-name") ?? "stdin")
        } else {
            stored = try archiver.snapshot(paths: arguments.positionals)
        }
        display.finish()
        report(stored, adopted: archiver.adopted, context.output)
        return stored.snapshot.partial ? .partial : .success
    }

    /// `--stdin-from-command`'s command is everything after `--` and nothing before: a word
    /// that lost its option (`--time 2026-12-09 02:00:00`) must not become the program.
    private static func checkCommand(_ arguments: ParsedArguments) throws {
        guard let command = arguments.afterDashDash else {
            throw UsageError("--stdin-from-command needs `--` before the command: repo snapshot --stdin-from-command -- COMMAND...")
        }
        if let stray = arguments.positionals.dropLast(command.count).first {
            throw UsageError("unexpected argument `\(stray)` before `--`; the command goes after `--`")
        }
        if command.isEmpty { throw UsageError("--stdin-from-command needs a command after --") }
    }

    /// What snapshot and copy say when they took over an interrupted upload's packs.
    static func resumedLine(_ adopted: AdoptedPacks) -> String {
        "resumed: \(adopted.packs) packs (\(Format.bytes(adopted.bytes))) of an interrupted upload adopted"
    }

    static func report(_ stored: StoredSnapshot, adopted: AdoptedPacks, _ output: Output) {
        let s = stored.snapshot
        if output.json {
            output.emit(SnapshotSummaryMessage(stored, adopted: adopted))
            return
        }
        for problem in s.problems { output.warning(problem) }
        if adopted.packs > 0 { output.line(resumedLine(adopted)) }
        output.line("files: \(s.summary.filesNew) new, \(s.summary.filesChanged) changed, \(s.summary.filesUnchanged) unchanged; \(s.summary.directories) directories")
        output.line("read \(Format.bytes(s.summary.bytesRead)) of \(Format.bytes(s.summary.bytesTotal)), added \(Format.bytes(s.summary.bytesAdded)) in \(s.summary.blobsAdded) blobs, \(String(format: "%.2f", s.summary.durationSeconds)) s")
        output.line("snapshot \(stored.shortID) saved\(s.partial ? " (partial: \(s.problems.count) problem(s))" : "")")
    }
}
