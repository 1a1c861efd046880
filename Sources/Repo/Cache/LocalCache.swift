import Foundation
import Posix
import Synchronization

/// Decrypted repository objects kept on the local disk, so that opening a large repository
/// does not download and decrypt every index object again.
///
/// Never trusted over the repository: callers list the repository and use the cache only
/// for objects that still exist there, and deleting the cache costs nothing but time. So a
/// cache that fails is bypassed rather than allowed to fail a backup: `get` answers nil,
/// writes do nothing, and `lastError` says why, for diagnostics. A damaged file, or one of
/// an unknown schema version, is deleted and started afresh.
///
/// Thread-safe: calls are serialized by a lock, the connection being in SQLite's
/// multi-thread mode. Several instances, in one process or several, may share a file;
/// SQLite's file locking keeps it consistent.
public final class LocalCache: Sendable {
    /// The database file.
    public let path: String
    fileprivate struct State {
        /// nil once a damaged file could not be replaced: the cache is bypassed from then on.
        var database: CacheDatabase?
        var failure: String?
    }
    private let state: Mutex<State>

    /// `$XDG_CACHE_HOME/repo`, or `~/.cache/repo` (the XDG base directory specification).
    public static func defaultDirectory() -> String {
        defaultDirectory(environment: ProcessInfo.processInfo.environment, home: NSHomeDirectory())
    }

    /// The specification ignores a relative `XDG_CACHE_HOME`: it would depend on the
    /// working directory.
    static func defaultDirectory(environment: [String: String], home: String) -> String {
        if let cacheHome = environment["XDG_CACHE_HOME"], cacheHome.hasPrefix("/") {
            return "\(cacheHome)/repo"
        }
        return "\(home)/.cache/repo"
    }

    /// Opens or creates the cache of one repository: `<directory>/<repositoryID>/cache.sqlite`,
    /// in directories private to the owner (0700), as the cache holds decrypted metadata.
    public init(directory: String, repositoryID: String) throws(CacheError) {
        guard !repositoryID.isEmpty, repositoryID != ".", repositoryID != "..",
              !repositoryID.contains("/"), !repositoryID.utf8.contains(0)
        else { throw .invalidRepositoryID(repositoryID) }
        let folder = "\(directory)/\(repositoryID)"
        do throws(Errno) {
            try FileDescriptor.makeDirectoryAndParents(folder, mode: 0o700)
        } catch {
            throw .cannotCreateDirectory(path: folder, errno: error.code)
        }
        let path = "\(folder)/cache.sqlite"
        self.path = path
        var opened = State()
        do throws(SQLiteError) {
            do throws(SQLiteError) {
                opened.database = try CacheDatabase(path: path)
            } catch where error.isUnusableFile {
                opened.failure = "cache \(path): \(error.message); started afresh"
                opened.database = try CacheDatabase.recreate(at: path)
            }
        } catch {
            throw .database(path: path, message: error.description)
        }
        state = Mutex(opened)
    }

    /// The last failure since the cache was opened, including a damaged file found and
    /// replaced when opening; it stays until another replaces it. For diagnostics only.
    public var lastError: String? {
        state.withLock { $0.failure }
    }

    /// The cached object, or nil if it is not cached (or the cache failed). An object whose
    /// bytes no longer match the digest stored with them is removed and reported in
    /// `lastError`, and answers nil: the caller fetches it from the repository again.
    public func get(_ kind: String, _ id: String) -> [UInt8]? {
        switch attempt("get \(kind) \(id)", { database throws(SQLiteError) in try database.get(kind, id) }) {
        case .found(let bytes)?:
            return bytes
        case .damaged?:
            remove(kind, [id])
            state.withLock { $0.failure = "cache \(path): \(kind) \(id) was damaged in the cache; read again from the repository" }
            return nil
        case .missing?, nil:
            return nil
        }
    }

    public func put(_ kind: String, _ id: String, _ bytes: [UInt8]) {
        putAll(kind, [(id, bytes)])
    }

    /// Stores many objects in one transaction: thousands of separate commits would take
    /// seconds.
    public func putAll(_ kind: String, _ items: [(String, [UInt8])]) {
        attempt("put \(items.count) \(kind) objects") { database throws(SQLiteError) in try database.put(kind, items) }
    }

    /// The ids of every cached object of `kind`; empty if the cache failed.
    public func ids(_ kind: String) -> Set<String> {
        attempt("list \(kind)") { database throws(SQLiteError) in try database.ids(kind) } ?? []
    }

    /// Removes the objects in one transaction.
    public func remove(_ kind: String, _ ids: [String]) {
        attempt("remove \(ids.count) \(kind) objects") { database throws(SQLiteError) in try database.remove(kind, ids) }
    }

    public func removeAll() {
        attempt("remove all objects") { database throws(SQLiteError) in try database.removeAll() }
    }

    /// Runs `body` under the lock; on failure records why and answers nil. A file found
    /// damaged is replaced by an empty one, so that the cache heals instead of failing in
    /// every later run.
    @discardableResult
    private func attempt<Result: Sendable>(_ operation: @autoclosure () -> String,
                                           _ body: @Sendable (CacheDatabase) throws(SQLiteError) -> Result) -> Result? {
        state.withLock { state in
            // A statement of its own: nothing of the call holds the database past it.
            let outcome = state.run(body)
            switch outcome {
            case nil:
                return nil
            case .success(let value)?:
                return value
            case .failure(let error)?:
                state.failure = "cache \(path): cannot \(operation()): \(error)"
                if error.isUnusableFile { state.replaceDamagedFile(path) }
                return nil
            }
        }
    }
}

extension LocalCache.State {
    /// `body` on the open database; nil if there is none. A function of its own so that no
    /// reference to the database outlives it (see `replaceDamagedFile`).
    fileprivate func run<Result>(_ body: @Sendable (CacheDatabase) throws(SQLiteError) -> Result) -> Swift.Result<Result, SQLiteError>? {
        guard let database else { return nil }
        do throws(SQLiteError) {
            return .success(try body(database))
        } catch {
            return .failure(error)
        }
    }

    /// Closes the connection before deleting the file: a closing connection deletes the
    /// WAL file by name, which must not be the new database's.
    fileprivate mutating func replaceDamagedFile(_ path: String) {
        database = nil
        do throws(SQLiteError) {
            database = try CacheDatabase.recreate(at: path)
        } catch {
            failure = "cache \(path): damaged, and cannot be recreated: \(error)"
        }
    }
}
