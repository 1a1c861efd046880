import CSQLite

/// A failed SQLite call: its result code and SQLite's message.
package struct SQLiteError: Error, CustomStringConvertible {
    package let code: Int32
    package let message: String

    /// The file is damaged, not a database, or not one of ours (see `foreign`): the cache
    /// holds nothing that cannot be fetched again, so such a file is thrown away.
    var isUnusableFile: Bool {
        let primary = code & 0xff
        return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB
    }

    /// A database that opened fine but whose schema this version does not know.
    static func foreign(_ message: String) -> SQLiteError {
        SQLiteError(code: SQLITE_NOTADB, message: message)
    }

    package var description: String { "\(message) (SQLite error \(code))" }
}
