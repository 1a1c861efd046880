import Foundation
import Posix
import Storage

/// Opens an existing repository the one way every command and job does: the backend, its
/// format version (before any password is asked for, so a missing repository or one of a
/// newer format is reported first), the password, the keys and the cache; then, when asked,
/// a lock, and only under that lock the index (an index read before the lock could predate
/// a prune that finished in between).
///
/// With a `name`, failures say which repository they are about: "source repository
/// /srv/a: wrong password: …", "source repository /srv/a: repository is locked: …".
public struct RepositoryOpener {
    /// Where the repository is (a path or a URL that `BackendFactory` understands).
    public var location: String
    /// How messages name this repository ("source repository /srv/a"); nil: not named.
    public var name: String?
    /// The environment backends read (credentials, S3 settings).
    public var environment: [String: String]
    /// The password, asked only once the format version has been checked.
    public var password: () throws -> [UInt8]
    /// The local cache's directory; nil: no cache.
    public var cacheDirectory: String?
    /// How long a conflicting lock is waited for.
    public var lockWait: TimeInterval
    /// Told once per wait for a lock, with what is waited for.
    public var onLockWait: ((String) -> Void)?
    /// `--no-lock`: a command that only reads opens without taking a lock.
    public var noLock = false
    /// Told when a command that only reads could not write its lock because the repository
    /// is not writable (read-only file system, permission, disk full) and reads without one.
    public var onReadWithoutLock: ((String) -> Void)?
    /// Told of every backend opened (to report its requests at the end, say).
    public var onBackendOpened: ((any Backend) -> Void)?
    /// Told of each wait before the backend retries a request (to show it).
    public var onRetry: RetryObserver?

    public init(location: String, name: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                password: @escaping () throws -> [UInt8], cacheDirectory: String? = LocalCache.defaultDirectory(),
                lockWait: TimeInterval = 0, onLockWait: ((String) -> Void)? = nil,
                onBackendOpened: ((any Backend) -> Void)? = nil) {
        self.location = location
        self.name = name
        self.environment = environment
        self.password = password
        self.cacheDirectory = cacheDirectory
        self.lockWait = lockWait
        self.onLockWait = onLockWait
        self.onBackendOpened = onBackendOpened
    }

    /// The repository's backend, once its format version is known to be readable; asks
    /// for no password. (For opening several repositories: check them all first.)
    public func backend() throws -> any Backend {
        let backend = try BackendFactory.open(location, environment: environment, onRetry: onRetry)
        onBackendOpened?(backend)
        try Repository.checkFormatVersion(backend: backend)
        return backend
    }

    /// Opens the repository; `loadIndex: true` only for a caller that takes no lock.
    public func open(loadIndex: Bool = false) throws -> Repository {
        try open(backend: try backend(), loadIndex: loadIndex)
    }

    /// Opens the repository on a `backend` from `backend()`: asks for the password and
    /// unlocks the keys, naming the repository when the password fails.
    public func open(backend: any Backend, loadIndex: Bool = false) throws -> Repository {
        do {
            return try Repository.open(backend: backend, password: try password(), cacheDirectory: cacheDirectory,
                                       loadIndex: loadIndex)
        } catch let error as FormatError {
            switch error {
            case .wrongPassword, .noKeys:
                guard let name else { throw error }
                throw PasswordError("\(name): \(error)")
            default: throw error
            }
        } catch let error as PasswordError {
            guard let name else { throw error }
            throw PasswordError("\(name): \(error)")
        }
    }

    /// Opens the repository, takes a lock and only then loads the index (unless
    /// `loadIndex` is false: the caller loads it later, under the lock).
    /// `readOnly`: the command only reads, so it takes no lock with `noLock` and reads
    /// without one when the repository cannot be written.
    public func openLocked(exclusive: Bool, operation: String, loadIndex: Bool = true,
                           readOnly: Bool = false) throws -> (Repository, RepositoryLock) {
        let repository = try open(loadIndex: false)
        return (repository, try lock(repository, exclusive: exclusive, operation: operation, loadIndex: loadIndex, readOnly: readOnly))
    }

    /// The errno values of a lock write that mean the repository cannot be written at
    /// all, not that something is wrong with it (ENOTDIR: `locks` is not a directory).
    static let unwritable: Set<Int32> = [EROFS, EACCES, EPERM, ENOSPC, EDQUOT, ENOTDIR]

    /// Takes a lock on `repository` (opened by this opener), waiting up to `lockWait` and
    /// naming the repository when another process holds a conflicting lock. With
    /// `readOnly` (a shared lock for a command that only reads): none with `noLock`, and
    /// none, after a note to `onReadWithoutLock`, when the lock cannot be written.
    public func lock(_ repository: Repository, exclusive: Bool, operation: String, loadIndex: Bool = false,
                     readOnly: Bool = false) throws -> RepositoryLock {
        if readOnly && !exclusive {
            if noLock {
                if loadIndex { try repository.loadIndex() }
                return RepositoryLock.unheld(repository, operation: operation)
            }
            do {
                return try lock(repository, exclusive: false, operation: operation, loadIndex: loadIndex)
            } catch BackendError.io(let what, _, let code) where (what.hasPrefix("write") || what.hasPrefix("create")) && Self.unwritable.contains(code) {
                onReadWithoutLock?("\(name ?? location) is not writable (\(Errno.message(code).lowercased())); reading without a lock")
                if loadIndex { try repository.loadIndex() }
                return RepositoryLock.unheld(repository, operation: operation)
            }
        }
        do {
            return try Self.lock(repository, exclusive: exclusive, operation: operation, wait: lockWait, onWait: onLockWait,
                                 loadIndex: loadIndex)
        } catch RepositoryError.locked(let why) {
            guard let name else { throw RepositoryError.locked(why) }
            throw RepositoryError.locked("\(name): \(why)")
        }
    }

    /// Takes a lock, waiting up to `wait`, then (with `loadIndex`) loads the index under it;
    /// a failed load releases the lock again.
    public static func lock(_ repository: Repository, exclusive: Bool, operation: String, wait: TimeInterval = 0,
                            onWait: ((String) -> Void)? = nil, loadIndex: Bool = false) throws -> RepositoryLock {
        let lock = try RepositoryLock.acquire(repository, exclusive: exclusive, operation: operation, wait: wait, onWait: onWait)
        do {
            if loadIndex { try repository.loadIndex() }
        } catch {
            lock.release()
            throw error
        }
        return lock
    }
}
