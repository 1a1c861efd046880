import CSQLite

/// A prepared statement: bind parameters, step through rows, reset to run it again.
package final class SQLiteStatement {
    private let handle: OpaquePointer
    /// Keeps the database open for as long as the statement exists.
    private let connection: SQLiteConnection

    init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `text` to the parameter at `index` (from 1). SQLite copies it.
    package func bind(_ text: String, at index: Int32) throws(SQLiteError) {
        try check(sqlite3_bind_text(handle, index, text, -1, SQLiteStatement.copy))
    }

    /// Binds `blob` without copying it, so `blob` must stay valid until `reset()`. An
    /// empty blob is bound as such, not as NULL (which a nil base address would mean).
    package func bind(_ blob: UnsafeRawBufferPointer, at index: Int32) throws(SQLiteError) {
        if let base = blob.baseAddress, blob.count > 0 {
            try check(sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(blob.count), nil))
        } else {
            try check(sqlite3_bind_zeroblob(handle, index, 0))
        }
    }

    /// Advances to the next row: true if there is one, false when the statement is done.
    package func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.lastError(code)
        }
    }

    package func text(at column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }

    package func blob(at column: Int32) -> [UInt8] {
        // The pointer first, then the size: the order SQLite documents as safe.
        guard let bytes = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))))
    }

    package func integer(at column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// Makes the statement ready to run again and drops its bindings, which may point at
    /// buffers that are about to go away.
    package func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private func check(_ code: Int32) throws(SQLiteError) {
        if code != SQLITE_OK { throw connection.lastError(code) }
    }

    /// SQLITE_TRANSIENT: SQLite copies the value before the bind call returns.
    private static let copy = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
