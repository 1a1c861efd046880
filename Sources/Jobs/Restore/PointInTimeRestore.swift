import Foundation
import Repo

/// `repo pg restore`: the newest base backup that ended before the target, unpacked into a
/// new data directory, with the settings that make PostgreSQL replay the archived WAL up to
/// the target (recovery.signal, restore_command, recovery_target_*) and then promote. The
/// operator starts the server; nothing here runs PostgreSQL.
public struct PointInTimeRestore {
    let repository: Repository

    public init(repository: Repository) { self.repository = repository }

    public struct Result: Sendable {
        public let snapshot: StoredSnapshot
        public let backup: PostgresBaseBackup
        public let bytes: UInt64
        public let seconds: Double
        /// The lines appended to postgresql.auto.conf.
        public let settings: [String]
        /// False when the restore_command holds a placeholder for the password file.
        public let restoreCommandComplete: Bool
    }

    /// The base backups in the repository, oldest first.
    public func baseBackups() throws -> [(StoredSnapshot, PostgresBaseBackup)] {
        try repository.snapshotListing().snapshots.compactMap { stored in stored.snapshot.postgres.map { (stored, $0) } }
    }

    /// The base backup to start from: `spec`'s, or the newest that ended before the target.
    public func choose(target: RecoveryTarget, spec: String?) throws -> (StoredSnapshot, PostgresBaseBackup) {
        if let spec {
            let stored = try repository.findSnapshot(spec)
            guard let backup = stored.snapshot.postgres else { throw PointInTimeError.notABaseBackup(stored.shortID) }
            guard target.reachable(from: backup) else { throw PointInTimeError.endsAfterTarget(stored.shortID) }
            return (stored, backup)
        }
        let backups = try baseBackups()
        guard let chosen = backups.last(where: { target.reachable(from: $0.1) }) else {
            throw backups.isEmpty ? PointInTimeError.noBaseBackup : PointInTimeError.noBaseBackupBefore(target)
        }
        return chosen
    }

    /// Unpacks the chosen backup into `directory` (which must be missing or empty; made mode
    /// 0700) and writes the recovery settings. `restoreCommand` is the shell command line
    /// PostgreSQL runs to fetch a WAL file (with `%f` and `%p`).
    /// `timeline` is PostgreSQL's recovery_target_timeline: `current` (the base backup's:
    /// a copy that promoted and archived its own timeline into the repository is not
    /// followed), `latest`, or a number.
    public func restore(into directory: String, target: RecoveryTarget, spec: String?, restoreCommand: String,
                        restoreCommandComplete: Bool, archiving: Bool, timeline: String = "current") throws -> Result {
        let start = Date()
        let (stored, backup) = try choose(target: target, spec: spec)
        try Self.prepare(directory)
        guard let path = stored.snapshot.paths.first,
              let node = try SnapshotBrowser(repository: repository).node(at: path, in: stored.snapshot), node.type == .file else {
            throw PointInTimeError.notABaseBackup(stored.shortID)
        }
        var written: UInt64 = 0
        try PipedRestore.run(["tar", "-x", "-f", "-", "-C", directory], environment: ChildEnvironment.forChildren(), target: directory) { fd in
            written = try SnapshotBrowser(repository: repository).dump(node, to: fd)
        }
        // -X none leaves pg_wal out or empty; PostgreSQL needs the directory.
        try? FileManager.default.createDirectory(atPath: directory + "/pg_wal/archive_status", withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        guard FileManager.default.createFile(atPath: directory + "/recovery.signal", contents: Data(), attributes: [.posixPermissions: 0o600]) else {
            throw PointInTimeError.cannotCreate(directory + "/recovery.signal", "permission denied or no space")
        }
        var settings = ["", "# Added by `repo pg restore` from base backup \(stored.shortID) (\(backup.startLSN) to \(backup.stopLSN), timeline \(backup.timeline)):"]
        if !restoreCommandComplete {
            settings.append("# The repository password came from REPO_PASSWORD or a prompt, which repo never writes down: put it in a file")
            settings.append("# only the server's user can read, and replace PASSWORD_FILE below with its path before starting the server.")
        }
        settings.append("restore_command = '\(restoreCommand.replacingOccurrences(of: "'", with: "''"))'")
        settings += target.settings
        settings.append("recovery_target_timeline = '\(timeline)'")
        if !archiving {
            settings.append("# Archiving is off in this copy (--no-archive): it must not push its WAL into the repository.")
            settings.append("archive_mode = off")
        }
        let config = directory + "/postgresql.auto.conf"
        let existing = (try? String(contentsOfFile: config, encoding: .utf8)) ?? ""
        try (existing + settings.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
        return Result(snapshot: stored, backup: backup, bytes: written, seconds: Date().timeIntervalSince(start),
                      settings: settings.filter { !$0.isEmpty && !$0.hasPrefix("#") }, restoreCommandComplete: restoreCommandComplete)
    }

    /// Makes `directory` (mode 0700) or accepts it empty; anything in it is refused.
    static func prepare(_ directory: String) throws {
        let manager = FileManager.default
        if let entries = try? manager.contentsOfDirectory(atPath: directory) {
            guard entries.isEmpty else { throw PointInTimeError.directoryNotEmpty(directory) }
            chmod(directory, 0o700)
            return
        }
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PointInTimeError.cannotCreate(directory, "\(error.localizedDescription)")
        }
    }

    /// The restore_command for a repository at `location` whose password is got through
    /// `passwordOption` (nil: a placeholder), run by `executable`.
    /// `cacheDirectory`, when given, is passed as `--cache-dir`.
    public static func restoreCommand(executable: String, location: String, passwordOption: (option: String, value: String)?,
                                      cacheDirectory: String? = nil) -> String {
        let password = passwordOption.map { [$0.option, $0.value] } ?? ["--password-file", "PASSWORD_FILE"]
        let words = [executable, "wal", "fetch", "--repo", location] + password + (cacheDirectory.map { ["--cache-dir", $0] } ?? [])
        return words.map(shellQuoted).joined(separator: " ") + " %f %p"
    }

    /// This program's absolute path, for the restore_command PostgreSQL runs.
    public static func executablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        let argument = CommandLine.arguments[0]
        return argument.hasPrefix("/") ? argument : FileManager.default.currentDirectoryPath + "/" + argument
    }

    /// `location` made absolute when it is a relative directory (URLs stay as they are).
    public static func absoluteLocation(_ location: String) -> String {
        location.contains("://") || location.hasPrefix("s3:") || location.hasPrefix("sftp:") || location.hasPrefix("/")
            ? location : FileManager.default.currentDirectoryPath + "/" + location
    }

    /// One word for /bin/sh, quoted only when it needs to be.
    static func shellQuoted(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ $0.isLetter || $0.isNumber || "/._-:=@%+,".contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// What a point-in-time restore refuses.
public enum PointInTimeError: Error, Equatable, Sendable, CustomStringConvertible {
    case noBaseBackup
    case noBaseBackupBefore(RecoveryTarget)
    case notABaseBackup(String)
    case endsAfterTarget(String)
    case directoryNotEmpty(String)
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case .noBaseBackup: return "the repository holds no PostgreSQL base backup: take one with `repo pg base-backup`"
        case .noBaseBackupBefore(let target):
            return "no base backup ended before \(target): the oldest kept one is later (see `repo snapshots --tag pg-base`)"
        case .notABaseBackup(let id): return "snapshot \(id) is not a PostgreSQL base backup (see `repo snapshots --tag pg-base`)"
        case .endsAfterTarget(let id): return "base backup \(id) ended after the recovery target: choose an older one, or a later target"
        case .directoryNotEmpty(let directory): return "\(directory) is not empty: restore into a new or empty directory"
        case .cannotCreate(let directory, let why): return "cannot create \(directory): \(why)"
        }
    }
}
