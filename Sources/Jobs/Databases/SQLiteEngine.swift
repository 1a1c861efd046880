import CSQLite
import Foundation
import Posix
import Repo

/// SQLite: a consistent copy of the live file through the online backup API; restored as a
/// file that must pass `PRAGMA integrity_check` before it takes the target's name.
struct SQLiteEngine: DatabaseEngine {
    let source: DatabaseSource

    func startDump() throws -> DumpStream {
        guard let path = source.path, !path.isEmpty else {
            throw DatabaseError.misconfigured(source: source.name, detail: "sqlite sources need a path")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw DatabaseError.dumpFailed(source: source.name, detail: "\(path) does not exist")
        }
        let copied: FileDescriptor
        do {
            let directory = try PrivateDirectory(prefix: "repo-sqlite-")
            let copy = directory.path + "/copy.db"
            try SQLiteBackupCopy.copy(from: path, to: copy)
            do throws(Errno) {
                copied = try FileDescriptor.open(copy, flags: O_RDONLY)
            } catch {
                throw SQLiteCopyError(reason: "cannot open the copy: \(error)")
            }
            // The open descriptor keeps the copy's bytes; the directory goes with `directory`.
        } catch {
            throw DatabaseError.dumpFailed(source: source.name, detail: "\(error)")
        }
        return DumpStream(fileDescriptor: copied.rawValue) { try? copied.close() }
    }

    func targetState(_ target: String) throws -> RestoreTargetState {
        try FileTarget.state(target)
    }

    func restore(into target: String, replace: Bool, writeDump: (Int32) throws -> Void) throws {
        try FileTarget.write(to: target, replace: replace, writeDump: writeDump) { written in
            try checkIntegrity(of: written, target: target)
        }
    }

    func query(_ sql: String, in target: String) throws -> String {
        do {
            let connection = try SQLiteConnection(path: target, busyTimeout: 5_000, flags: SQLITE_OPEN_READONLY)
            let statement = try connection.prepare(sql)
            return try statement.step() ? statement.text(at: 0) : ""
        } catch {
            throw DatabaseError.queryFailed(target: target, detail: error.message)
        }
    }

    func drop(_ target: String) throws {
        for file in [target, target + "-wal", target + "-shm", target + "-journal"] { try FileTarget.remove(file) }
    }

    func scratchTarget(directory: String) -> String {
        FileTarget.scratch(in: directory, for: source.name, extension: "db")
    }

    /// `PRAGMA integrity_check` must answer exactly "ok"; otherwise its first lines name
    /// what is damaged.
    private func checkIntegrity(of path: String, target: String) throws {
        // Read-write: a copy of a WAL-mode database may need its -wal and -shm files made,
        // and the last connection to close removes them again.
        defer { for suffix in ["-wal", "-shm", "-journal"] { try? FileDescriptor.workingDirectory.removeFile(path + suffix) } }
        var lines: [String] = []
        do {
            let connection = try SQLiteConnection(path: path, busyTimeout: 5_000, flags: SQLITE_OPEN_READWRITE)
            let statement = try connection.prepare("PRAGMA integrity_check")
            while lines.count < 3, try statement.step() { lines.append(statement.text(at: 0)) }
        } catch {
            throw DatabaseError.integrityCheckFailed(target: target, detail: error.message)
        }
        guard lines == ["ok"] else {
            throw DatabaseError.integrityCheckFailed(target: target, detail: lines.joined(separator: " | "))
        }
    }
}
