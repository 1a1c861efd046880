import Foundation
import Jobs
import Repo

/// `repo pg base-backup` and `repo pg restore`: PostgreSQL base backups into snapshots, and
/// point-in-time restores from them and the archived WAL (`repo wal`).
enum PostgresCommand {
    static let spec = CommandSpec(
        "pg", summary: "PostgreSQL base backups and point-in-time restores", usage: "base-backup | restore --into DATADIR",
        subcommands: [
            CommandSpec("base-backup", summary: "stream pg_basebackup into a snapshot tagged pg-base, with its WAL positions",
                        details: """
                            Runs pg_basebackup -D - -F tar -X none: the cluster must archive its WAL with `repo wal push`
                            into this repository (pg_basebackup waits until the backup's last segment is archived). Only a
                            cluster without extra tablespaces can be written as one tar.
                            """,
                        options: [
                            OptionSpec("host", value: "HOST", "server host or unix socket directory (default: libpq's)"),
                            OptionSpec("port", value: "PORT", "server port"),
                            OptionSpec("user", value: "USER", "replication user"),
                            OptionSpec("name", value: "NAME", "store the tar as /databases/postgres-physical/NAME.tar (default base)"),
                            OptionSpec("tag", value: "TAG", repeatable: true, "another tag besides pg-base"),
                        ]),
            CommandSpec("restore", summary: "unpack a base backup into DATADIR and set it to recover to a target",
                        usage: "--into DATADIR [--to-time TIME | --to-lsn LSN | --to-latest] [--snapshot ID]",
                        details: """
                            Takes the newest base backup that ended before the target (or --snapshot's), writes
                            recovery.signal and a restore_command that fetches the WAL with this repository and password
                            source, never the password. Then start PostgreSQL on DATADIR: it replays the WAL up to the
                            target and promotes. TIME is like "2026-12-07 03:14:00" (local time unless it has an offset).
                            """,
                        options: [
                            OptionSpec("into", value: "DATADIR", "the new data directory (missing or empty)"),
                            OptionSpec("to-time", value: "TIME", "recover up to this moment"),
                            OptionSpec("to-lsn", value: "LSN", "recover up to this WAL position, e.g. 0/3000060"),
                            OptionSpec("to-latest", "recover to the end of the archived WAL (the default)"),
                            OptionSpec("snapshot", value: "ID", "the base backup to start from"),
                            OptionSpec("no-archive", "set archive_mode = off in the copy (drills, copies that must not archive)"),
                            OptionSpec("timeline", value: "TL", "recovery_target_timeline: current (the base backup's, the default), latest, or a number"),
                        ]),
        ])

    static func run(_ context: CommandContext) throws -> ExitCode {
        context.arguments.command.last == "restore" ? try restore(context) : try baseBackup(context)
    }

    private static func baseBackup(_ context: CommandContext) throws -> ExitCode {
        let arguments = context.arguments
        let name = arguments.value("name") ?? "base"
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.hasPrefix(".") else {
            throw UsageError("--name must be letters, digits, `-`, `_` or `.`, not \(name.debugDescription)")
        }
        let backup = PhysicalBackup(host: arguments.value("host"), port: try arguments.integer("port", in: 1...65535),
                                    user: arguments.value("user"), name: name, environment: context.environment)
        var options = SnapshotOptions()
        options.tags = [PhysicalBackup.tag] + arguments.all("tag")
        let (repository, lock) = try context.openLocked(exclusive: false, operation: "pg base-backup")
        defer { lock.release() }
        let archiver = Archiver(repository: repository, options: options, beforeCommit: { try lock.ensureHeld() })
        let stored = try backup.snapshot(with: archiver)
        SnapshotCommand.report(stored, adopted: archiver.adopted, context.output)
        if let positions = stored.snapshot.postgres, !context.output.json {
            context.output.line("base backup: WAL \(positions.startLSN) to \(positions.stopLSN) on timeline \(positions.timeline) (first segment \(positions.startWAL))")
        }
        return .success
    }

    private static func restore(_ context: CommandContext) throws -> ExitCode {
        let arguments = context.arguments
        guard let directory = arguments.value("into"), !directory.isEmpty else {
            throw UsageError("pg restore needs --into DATADIR (a new or empty directory)")
        }
        let chosen = [arguments.value("to-time") != nil, arguments.value("to-lsn") != nil, arguments.has("to-latest")].filter { $0 }.count
        guard chosen <= 1 else { throw UsageError("--to-time, --to-lsn and --to-latest exclude each other: give one") }
        var target = RecoveryTarget.latest
        if let text = arguments.value("to-time") {
            guard let parsed = RecoveryTarget.time(text) else {
                throw UsageError("--to-time needs a time like \"2026-12-07 03:14:00\" (optionally with seconds' fractions and an offset like +01:00), not \(text.debugDescription)")
            }
            target = parsed
        } else if let text = arguments.value("to-lsn") {
            guard let parsed = RecoveryTarget.lsn(text) else { throw UsageError("--to-lsn needs a WAL position like 0/3000060, not \(text.debugDescription)") }
            target = parsed
        }
        let timeline = arguments.value("timeline") ?? "current"
        guard timeline == "current" || timeline == "latest" || UInt32(timeline).map({ $0 > 0 }) == true else {
            throw UsageError("--timeline needs current, latest or a timeline number, not \(timeline.debugDescription)")
        }
        let location = try context.requireLocation()
        let absoluteLocation = PointInTimeRestore.absoluteLocation(location)
        let passwordOption = context.passwords.reference
        let command = PointInTimeRestore.restoreCommand(executable: PointInTimeRestore.executablePath(), location: absoluteLocation, passwordOption: passwordOption)
        let (repository, lock) = try context.openLocked(exclusive: false, operation: "pg restore", readOnly: true)
        defer { lock.release() }
        let absoluteDirectory = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        let result = try PointInTimeRestore(repository: repository).restore(
            into: absoluteDirectory, target: target, spec: arguments.value("snapshot"), restoreCommand: command,
            restoreCommandComplete: passwordOption != nil, archiving: !arguments.has("no-archive"), timeline: timeline)
        let output = context.output
        output.line("restored base backup \(result.snapshot.shortID) (\(Format.time(result.snapshot.snapshot.time)), WAL from \(result.backup.startLSN), \(Format.bytes(result.bytes))) into \(absoluteDirectory) in \(String(format: "%.1f", result.seconds)) s")
        output.line("postgresql.auto.conf: " + result.settings.joined(separator: "; "))
        if !result.restoreCommandComplete {
            output.warning("the password came from REPO_PASSWORD or a prompt: write it to a file only the server's user can read and put its path in place of PASSWORD_FILE in \(absoluteDirectory)/postgresql.auto.conf")
        }
        output.line("start the server on it (as the user that owns it; chown -R postgres: \(absoluteDirectory) if needed):")
        output.line("  pg_ctl -D \(absoluteDirectory) -o '-p PORT' start    (Debian: /usr/lib/postgresql/VERSION/bin/pg_ctl)")
        output.line("it replays the archived WAL\(target == .latest ? "" : " up to the target"), then promotes; SELECT pg_is_in_recovery() turns false when it is done")
        return .success
    }
}
