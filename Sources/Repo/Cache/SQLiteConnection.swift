import CSQLite

/// One connection to an SQLite database file, opened in multi-thread mode: SQLite does no
/// locking of its own, so the owner must use it from one thread at a time. Package-wide:
/// the jobs' sqlite engine copies live databases through it.
package final class SQLiteConnection {
    /// For the C calls this wrapper does not cover (the online backup API).
    package let handle: OpaquePointer

    /// Opens or creates the database at `path`, waiting up to `busyTimeout` milliseconds
    /// for another connection's write lock instead of failing at once.
    package convenience init(path: String, busyTimeout: Int32) throws(SQLiteError) {
        try self.init(path: path, busyTimeout: busyTimeout, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
    }

    /// Opens `path` with `flags` (`SQLITE_OPEN_READONLY`, ...), in multi-thread mode.
    package init(path: String, busyTimeout: Int32, flags: Int32) throws(SQLiteError) {
        var opened: OpaquePointer?
        let code = sqlite3_open_v2(path, &opened, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let opened else {
            let error = SQLiteError(code: code, message: String(cString: sqlite3_errstr(code)))
            sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
        sqlite3_busy_timeout(handle, busyTimeout)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows the caller needs.
    package func execute(_ sql: String) throws(SQLiteError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        if code != SQLITE_OK { throw lastError(code) }
    }

    package func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw lastError(code) }
        return SQLiteStatement(statement, connection: self)
    }

    /// The error of the call that just returned `code` on this connection.
    package func lastError(_ code: Int32) -> SQLiteError {
        SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)))
    }
}
