import CSQLite
import Foundation
import Posix
import Repo

/// A consistent copy of a live SQLite database file, made through the online backup API
/// while other processes keep reading and writing it.
enum SQLiteBackupCopy {
    /// Pages per step (4 MiB at the default page size).
    static let pagesPerStep: Int32 = 1024
    /// How long a locked source may hold the copy up before it fails.
    static let lockPatience: TimeInterval = 30

    /// Copies `source` to the new file `copy`; throws a one-line reason.
    static func copy(from source: String, to copy: String) throws {
        let from = try openSource(source)
        let to = try open(copy, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, what: "cannot create a copy")
        // One read transaction over the whole copy: every step then sees the same snapshot,
        // and a writer's commits in between cannot restart the copy (which, against a busy
        // writer, could restart forever). In WAL mode writers never wait for it.
        try beginSnapshot(from, of: source)
        defer { try? from.execute("COMMIT") }

        guard let backup = sqlite3_backup_init(to.handle, "main", from.handle, "main") else {
            throw SQLiteCopyError(reason: "cannot start the copy: \(to.lastError(sqlite3_errcode(to.handle)).message)")
        }
        let giveUp = Date().addingTimeInterval(lockPatience)
        var code = SQLITE_OK
        repeat {
            code = sqlite3_backup_step(backup, pagesPerStep)
            // Locked by a writer (a rollback journal's exclusive lock, a checkpoint): wait
            // briefly and retry, up to the patience limit.
            if code == SQLITE_BUSY || code == SQLITE_LOCKED {
                guard Date() < giveUp else { break }
                usleep(10_000)
                code = SQLITE_OK
            }
        } while code == SQLITE_OK
        let finished = sqlite3_backup_finish(backup)
        if code != SQLITE_DONE {
            let reason = code == SQLITE_BUSY || code == SQLITE_LOCKED
                ? "\(source) stayed locked for \(Int(lockPatience)) s"
                : "copying \(source) to \(copy) failed: \(String(cString: sqlite3_errstr(code)))"
            throw SQLiteCopyError(reason: reason)
        }
        if finished != SQLITE_OK {
            throw SQLiteCopyError(reason: "writing the copy failed: \(to.lastError(finished).message)")
        }
    }

    /// The live database, read-write when this process may write it: a writer killed
    /// mid-transaction leaves a hot journal (or a WAL index) that only a connection able to
    /// write can recover, exactly as the application's next open would; read-only it fails
    /// with "attempt to write a readonly database". Read-only when that is all it may do.
    /// The copy itself only ever reads.
    private static func openSource(_ source: String) throws -> SQLiteConnection {
        guard access(source, R_OK) == 0 else {
            throw SQLiteCopyError(reason: "cannot open \(source): \(Errno.message(errno))")
        }
        if access(source, W_OK) == 0, let connection = try? SQLiteConnection(path: source, busyTimeout: 5_000, flags: SQLITE_OPEN_READWRITE) {
            return connection
        }
        return try open(source, flags: SQLITE_OPEN_READONLY, what: "cannot open \(source)")
    }

    private static func open(_ path: String, flags: Int32, what: String) throws -> SQLiteConnection {
        do {
            return try SQLiteConnection(path: path, busyTimeout: 5_000, flags: flags)
        } catch {
            throw SQLiteCopyError(reason: "\(what): \(error.message)")
        }
    }

    /// Opens the read transaction. A rollback-journal database whose writer commits back to
    /// back keeps readers out for longer than one busy timeout, so this retries up to the
    /// patience limit.
    private static func beginSnapshot(_ connection: SQLiteConnection, of source: String) throws {
        let giveUp = Date().addingTimeInterval(lockPatience)
        while true {
            do {
                try connection.execute("BEGIN")
                let statement = try connection.prepare("SELECT count(*) FROM sqlite_master")
                _ = try statement.step()
                statement.reset()
                return
            } catch {
                try? connection.execute("ROLLBACK")
                let busy = error.code & 0xff == SQLITE_BUSY || error.code & 0xff == SQLITE_LOCKED
                guard busy, Date() < giveUp else { throw SQLiteCopyError(reason: "cannot read \(source): \(error.message)") }
                usleep(10_000)
            }
        }
    }
}

struct SQLiteCopyError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
