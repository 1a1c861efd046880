import Foundation
import Repo

/// `repo wal push PATH` (PostgreSQL's archive_command) and `repo wal fetch NAME PATH` (its
/// restore_command), and `repo wal list`.
enum WALCommand {
    static let spec = CommandSpec(
        "wal", summary: "archive PostgreSQL WAL into the repository, or fetch it back", usage: "push PATH | fetch NAME PATH | list",
        subcommands: [
            CommandSpec("push", summary: "archive one WAL file (archive_command = 'repo wal push %p')", usage: "[OPTIONS] PATH",
                        details: """
                            Exits 0 only once the file's packs, index and record are committed. A file of that name archived
                            before with the same bytes: 0; with other bytes: exit 21, nothing written. With --batch N (default
                            32), up to N-1 more files PostgreSQL has marked ready (archive_status/*.ready) are archived in the
                            same session and remembered under the cache directory, so that PostgreSQL's calls for them return
                            at once; a file is remembered only once it is durable.
                            """,
                        options: [OptionSpec("batch", value: "N", "archive up to N ready files per session (1 to 1024, default 32; 1: only PATH)")],
                        positionals: 1...1),
            CommandSpec("fetch", summary: "write one archived WAL file to PATH (restore_command = 'repo wal fetch %f %p')",
                        usage: "[OPTIONS] NAME PATH",
                        details: "Exits 22 when the repository holds no file NAME: PostgreSQL reads that as the end of the archive.",
                        positionals: 2...2),
            CommandSpec("list", summary: "list the archived WAL files"),
        ])

    static func run(_ context: CommandContext) throws -> ExitCode {
        switch context.arguments.command.last {
        case "push": return try push(context)
        case "fetch": return try fetch(context)
        default: return try list(context)
        }
    }

    private static func push(_ context: CommandContext) throws -> ExitCode {
        let path = context.arguments.positionals[0]
        let file = WALFile(name: (path as NSString).lastPathComponent, path: path)
        guard WALFileName(file.name) != nil else { throw WALError.invalidName(file.name) }
        let batch = try context.arguments.integer("batch", in: 1...1024) ?? 32
        let location = try context.requireLocation()
        let spool = context.cacheDirectory.map { WALSpool(cacheDirectory: $0, location: location) }
        if let spool, try spool.acknowledges(file.name, path: path) {
            spool.forget(file.name)
            context.output.detail("\(file.name): archived by an earlier batch")
            return .success
        }
        let (repository, lock) = try context.openLocked(exclusive: false, operation: "wal push")
        defer { lock.release() }
        let extra = WALReadyFiles.following(file, limit: batch - 1, skipping: { spool?.contains($0) ?? false })
        let results = try WALPusher(repository: repository, beforeCommit: { try lock.ensureHeld() }).push([file] + extra)
        spool?.remember(Array(results.dropFirst()))
        for result in results {
            context.output.detail("\(result.file.name): \(result.outcome)")
            if result.outcome == .conflict && result.file != file { context.output.warning(WALError.conflict(name: result.file.name).description) }
        }
        if results[0].outcome == .conflict { throw WALError.conflict(name: file.name) }
        return .success
    }

    private static func fetch(_ context: CommandContext) throws -> ExitCode {
        let name = context.arguments.positionals[0], path = context.arguments.positionals[1]
        guard WALFileName(name) != nil else { throw WALError.invalidName(name) }
        let repository = try context.openRepository()
        let record = try WALFetcher(repository: repository).fetch(name, to: path)
        context.output.detail("\(name): \(Format.bytes(record.size)) written to \(path)")
        return .success
    }

    private static func list(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository(loadIndex: false)
        let listing = try repository.walListing()
        for damaged in listing.damaged { context.output.warning("wal/\(damaged.id) is damaged: \(damaged.error)") }
        if context.output.json {
            context.output.emit(listing.records.map { WALFileMessage(name: $0.name, object: repository.walObjectPath(of: $0.name), size: $0.size, sha256: $0.sha256, archived: MessageEncoding.time($0.archived), host: $0.host) })
        } else {
            for record in listing.records {
                context.output.result("\(record.name)  \(Format.bytes(record.size))  \(Format.time(record.archived))  \(record.host)")
            }
        }
        return .success
    }
}

/// One archived WAL file in `wal list --json`.
struct WALFileMessage: Encodable {
    let name: String
    /// Where its record is stored (`wal/<keyed hash of the name>`).
    let object: String
    let size: UInt64
    let sha256: String
    let archived: String
    let host: String
}
