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
        var rows: [[String: Any]] = []
        var opened: [String: Repository] = [:]
        for (job, source) in file.databaseSources {
            var row: [String: Any] = ["name": source.name, "type": source.kind.rawValue, "job": job.name,
                                      "repository": job.repository, "path": source.snapshotPath]
            do {
                let repository = try opened[job.repository] ?? JobCommands.access(context, job: job).open(try file.repository(job.repository))
                opened[job.repository] = repository
                let dumps = try DumpLocator(repository: repository).dumps(of: source, job: job)
                row["dumps"] = dumps.count
                if let latest = dumps.last {
                    row["latest"] = latest.id
                    row["latest_time"] = ISO8601DateFormatter().string(from: latest.snapshot.time)
                    row["latest_bytes"] = latest.snapshot.summary.bytesTotal
                    row["latest_text"] = "\(latest.shortID)  \(Format.time(latest.snapshot.time))  \(Format.bytes(latest.snapshot.summary.bytesTotal))"
                }
            } catch {
                row["error"] = "\(error)"
            }
            rows.append(row)
        }
        if output.json {
            output.emit(rows.map { $0.filter { $0.key != "latest_text" } })
            return .success
        }
        if rows.isEmpty { output.line("no database sources in \(file.path)") }
        for row in rows {
            let name = "\(row["name"]!) (\(row["type"]!), job \(row["job"]!))".padding(toLength: 36, withPad: " ", startingAt: 0)
            if let error = row["error"] {
                output.line("\(name) \(error)")
            } else if let latest = row["latest_text"] {
                output.line("\(name) \(row["dumps"]!) dump(s), latest \(latest)  \(row["path"]!)")
            } else {
                output.line("\(name) no dump yet in \(row["repository"]!)")
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
        let lock = try access.lock(repository, exclusive: false, operation: "db restore")
        defer { lock.release() }
        let result = try DatabaseRestore(source: source, job: job, environment: context.environment)
            .restore(from: repository, repositoryName: config.name, spec: arguments.value("snapshot") ?? "latest",
                     into: target, replace: arguments.has("replace"))
        if context.output.json {
            context.output.emit(["source": source.name, "target": target, "snapshot": result.snapshot.id,
                                 "time": ISO8601DateFormatter().string(from: result.snapshot.snapshot.time),
                                 "bytes": result.bytes, "seconds": result.seconds])
        } else {
            context.output.line("restored \(source.name) from snapshot \(result.snapshot.shortID) (\(Format.time(result.snapshot.snapshot.time)), \(Format.bytes(result.bytes))) into \(target) in \(String(format: "%.1f", result.seconds)) s")
        }
        return .success
    }
}
