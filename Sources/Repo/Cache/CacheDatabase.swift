import Crypto
import CSQLite
#if canImport(Glibc)
import Glibc
#endif
import Posix

/// The cache's SQLite file: its schema and the queries the cache makes. Knows nothing of
/// locking, nor of what a failed query means for the caller.
final class CacheDatabase {
    /// Bumped whenever the tables change: a file of any other version is thrown away, as
    /// the cache holds nothing that cannot be fetched again.
    /// Version 2 added each object's SHA-256, so that an object damaged in the file (a
    /// flipped bit that SQLite does not notice) is found and fetched again, never used.
    static let schemaVersion: Int64 = 2

    private let connection: SQLiteConnection

    /// Deletes the file at `path` (with its WAL and shared-memory files) and creates an
    /// empty cache in its place.
    static func recreate(at path: String) throws(SQLiteError) -> CacheDatabase {
        for file in ["", "-wal", "-shm", "-journal"].map({ path + $0 }) {
            do throws(Errno) {
                try FileDescriptor.workingDirectory.removeFile(file)
            } catch where error == .noSuchFile {
                continue
            } catch {
                throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot delete \(file): \(error)")
            }
        }
        return try CacheDatabase(path: path)
    }

    /// Opens the cache file at `path`, or creates it. A file that is damaged, not a
    /// database, or of another schema version fails with an error that `isUnusableFile`.
    init(path: String) throws(SQLiteError) {
        try CacheDatabase.createPrivateFile(path)
        connection = try SQLiteConnection(path: path, busyTimeout: 10_000)
        // WAL: readers never wait for a writer, so two processes on one repository share
        // the file smoothly. NORMAL: commits are not synced one by one; a power loss may
        // lose the last ones, which costs a cache nothing but time.
        try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        try prepareSchema()
    }

    /// Creates the file before SQLite does, private to the owner (SQLite would make it
    /// 0644): it holds decrypted metadata. SQLite gives its WAL files the same mode.
    private static func createPrivateFile(_ path: String) throws(SQLiteError) {
        do throws(Errno) {
            let file = try FileDescriptor.open(path, flags: O_RDWR | O_CREAT, mode: 0o600)
            try file.close()
        } catch {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot create \(path): \(Errno.message(error.code))")
        }
    }

    /// Creates the tables in an empty file, or checks the version of an existing one.
    private func prepareSchema() throws(SQLiteError) {
        try inWriteTransaction { () throws(SQLiteError) in
            let tables = try connection.prepare("SELECT count(*), count(CASE WHEN name = 'schema' THEN 1 END) FROM sqlite_master")
            guard try tables.step() else { throw .foreign("cannot read the schema") }
            let (total, schemaTables) = (tables.integer(at: 0), tables.integer(at: 1))
            if total == 0 {
                try connection.execute("""
                    CREATE TABLE schema (version INTEGER NOT NULL);
                    INSERT INTO schema (version) VALUES (\(CacheDatabase.schemaVersion));
                    CREATE TABLE objects (
                        kind TEXT NOT NULL,
                        id TEXT NOT NULL,
                        bytes BLOB NOT NULL,
                        sha256 BLOB NOT NULL,
                        PRIMARY KEY (kind, id)
                    );
                    """)
                return
            }
            guard schemaTables == 1 else { throw .foreign("not a cache database") }
            let versions = try connection.prepare("SELECT version FROM schema")
            var found: [Int64] = []
            while try versions.step() { found.append(versions.integer(at: 0)) }
            guard found == [CacheDatabase.schemaVersion] else { throw .foreign("unknown cache schema version \(found)") }
        }
    }

    /// What the cache holds of one object.
    enum Lookup: Equatable {
        case missing
        case found([UInt8])
        /// The bytes no longer hash to the digest stored with them.
        case damaged
    }

    func get(_ kind: String, _ id: String) throws(SQLiteError) -> Lookup {
        let query = try connection.prepare("SELECT bytes, sha256 FROM objects WHERE kind = ?1 AND id = ?2")
        try query.bind(kind, at: 1)
        try query.bind(id, at: 2)
        guard try query.step() else { return .missing }
        let bytes = query.blob(at: 0)
        let digest = bytes.withUnsafeBytes { SHA256.hash($0) }
        guard digest.bytes.elementsEqual(query.blob(at: 1)) else { return .damaged }
        return .found(bytes)
    }

    /// Stores all `items` in one transaction: one commit instead of thousands.
    func put(_ kind: String, _ items: [(String, [UInt8])]) throws(SQLiteError) {
        try inWriteTransaction { () throws(SQLiteError) in
            let insert = try connection.prepare("INSERT OR REPLACE INTO objects (kind, id, bytes, sha256) VALUES (?1, ?2, ?3, ?4)")
            for (id, bytes) in items {
                let digest = bytes.withUnsafeBytes { SHA256.hash($0) }.bytes
                // Both blobs are bound without copying: they stay valid until the reset.
                let failure = bytes.withUnsafeBytes { buffer in
                    digest.withUnsafeBytes { digestBuffer -> SQLiteError? in
                        defer { insert.reset() }
                        do throws(SQLiteError) {
                            try insert.bind(kind, at: 1)
                            try insert.bind(id, at: 2)
                            try insert.bind(buffer, at: 3)
                            try insert.bind(digestBuffer, at: 4)
                            _ = try insert.step()
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                if let failure { throw failure }
            }
        }
    }

    func ids(_ kind: String) throws(SQLiteError) -> Set<String> {
        let query = try connection.prepare("SELECT id FROM objects WHERE kind = ?1")
        try query.bind(kind, at: 1)
        var ids = Set<String>()
        while try query.step() { ids.insert(query.text(at: 0)) }
        return ids
    }

    func remove(_ kind: String, _ ids: [String]) throws(SQLiteError) {
        try inWriteTransaction { () throws(SQLiteError) in
            let delete = try connection.prepare("DELETE FROM objects WHERE kind = ?1 AND id = ?2")
            for id in ids {
                defer { delete.reset() }
                try delete.bind(kind, at: 1)
                try delete.bind(id, at: 2)
                _ = try delete.step()
            }
        }
    }

    func removeAll() throws(SQLiteError) {
        try connection.execute("DELETE FROM objects")
    }

    /// Runs `body` in a transaction that takes the write lock up front: one that started
    /// as a reader and then wrote could fail at once with SQLITE_BUSY when another
    /// connection writes, where this one waits for the busy timeout.
    private func inWriteTransaction(_ body: () throws(SQLiteError) -> Void) throws(SQLiteError) {
        try connection.execute("BEGIN IMMEDIATE")
        do throws(SQLiteError) {
            try body()
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
