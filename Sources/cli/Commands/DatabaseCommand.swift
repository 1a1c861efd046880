import Foundation
import Jobs
import Repo

/// `repo db list` and `repo db restore`: the job file's database sources, their dumps, and
/// restoring one into a new database or file.
enum DatabaseCommand {
    static let spec = CommandSpec(
        "db", summary: "list database sources and their dumps, or restore one", usage: "list | restore NAME --into TARGET",
        subcommands: [
            CommandSpec("list", summary: "the job file's database sources and their latest dumps",
                        options: [JobCommands.configOption]),
            CommandSpec("restore", summary: "restore a database source's dump into a new database (or file, for sqlite)",
                        usage: "[OPTIONS] NAME --into TARGET",
                        details: """
                            postgres and mysql: TARGET is a database name; it is created and the dump is loaded, stopping at
                            the first SQL error. sqlite: TARGET is a new file, checked with PRAGMA integrity_check before it
                            is put in place. A target that holds data is refused unless --replace.
                            """,
                        options: [
                            JobCommands.configOption,
                            OptionSpec("into", value: "TARGET", "the database (or file) to restore into"),
                            OptionSpec("snapshot", value: "ID", "the snapshot to restore from (default: latest, the newest holding the source)"),
                            OptionSpec("job", value: "JOB", "the job the source belongs to, when several jobs have one of that name"),
                            OptionSpec("replace", "drop and recreate a target that holds data"),
                        ],
                        positionals: 1...1),
        ])

    static func run(_ context: CommandContext) throws -> ExitCode {
        context.arguments.command.last == "restore" ? try restore(context) : try list(context)
    }

    private static func list(_ context: CommandContext) throws -> ExitCode {
        let file = try JobCommands.loadFile(context)
        let output = context.output
        var rows: [(entry: DatabaseSourceEntry, latest: StoredSnapshot?)] = []
        var opened: [String: Repository] = [:]
        for (job, source) in file.databaseSources {
            var entry = DatabaseSourceEntry(source, job: job)
            var latest: StoredSnapshot?
            do {
                let repository = try opened[job.repository] ?? JobCommands.access(context, job: job).open(try file.repository(job.repository))
                opened[job.repository] = repository
                let dumps = try DumpLocator(repository: repository).dumps(of: source, job: job)
                entry.dumps = dumps.count
                latest = dumps.last
                entry.latest = latest?.id
                entry.latest_time = latest.map { MessageEncoding.time($0.snapshot.time) }
                entry.latest_bytes = latest?.snapshot.summary.bytesTotal
            } catch {
                entry.error = "\(error)"
            }
            rows.append((entry, latest))
        }
        if output.json {
            output.emit(rows.map(\.entry))
            return .success
        }
        if rows.isEmpty { output.line("no database sources in \(file.path)") }
        for (entry, latest) in rows {
            let name = "\(entry.name) (\(entry.type), job \(entry.job))".padding(toLength: 36, withPad: " ", startingAt: 0)
            if let error = entry.error {
                output.line("\(name) \(error)")
            } else if let latest {
                let text = "\(latest.shortID)  \(Format.time(latest.snapshot.time))  \(Format.bytes(latest.snapshot.summary.bytesTotal))"
                output.line("\(name) \(entry.dumps ?? 0) dump(s), latest \(text)  \(entry.path)")
            } else {
                output.line("\(name) no dump yet in \(entry.repository)")
            }
        }
        return .success
    }

    private static func restore(_ context: CommandContext) throws -> ExitCode {
        let arguments = context.arguments
        guard let target = arguments.value("into"), !target.isEmpty else {
            throw UsageError("db restore needs --into TARGET (a new database name, or a file for sqlite)")
        }
        let file = try JobCommands.loadFile(context)
        let name = arguments.positionals[0]
        var matches = file.databaseSources.filter { $0.source.name == name }
        if let jobName = arguments.value("job") { matches = matches.filter { $0.job.name == jobName } }
        guard let (job, source) = matches.first else {
            throw JobError.unknownSource(name: name, known: file.databaseSources.map(\.source.name))
        }
        guard matches.count == 1 else { throw JobError.ambiguousSource(name: name, jobs: matches.map(\.job.name)) }

        let access = JobCommands.access(context, job: job)
        let config = try file.repository(job.repository)
        let repository = try access.open(config)
        let lock = try access.lockForReading(repository, of: config, operation: "db restore")
        defer { lock.release() }
        let result = try DatabaseRestore(source: source, job: job, environment: context.environment)
            .restore(from: repository, repositoryName: config.name, spec: arguments.value("snapshot") ?? "latest",
                     into: target, replace: arguments.has("replace"))
        if context.output.json {
            context.output.emit(DatabaseRestoreMessage(source: source.name, target: target, result))
        } else {
            context.output.line("restored \(source.name) from snapshot \(result.snapshot.shortID) (\(Format.time(result.snapshot.snapshot.time)), \(Format.bytes(result.bytes))) into \(target) in \(String(format: "%.1f", result.seconds)) s")
        }
        return .success
    }
}
