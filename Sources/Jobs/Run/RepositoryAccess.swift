import Foundation
import Repo

/// Opens the repositories a job file names: backend, format check, password (the
/// repository's `password-file`/`password-command`, else the environment's), cache; and
/// takes their locks, waiting as the job allows.
public struct RepositoryAccess: Sendable {
    public var environment: [String: String]
    public var cacheDirectory: String?
    /// How long a lock held by another process is waited for.
    public var lockWait: TimeInterval
    /// Told once per wait for a lock, with the holder.
    public var onLockWait: (@Sendable (String) -> Void)?
    /// The command line's `--password-file` / `--password-command`, for repositories whose
    /// table names neither.
    public var passwordFile: String?
    public var passwordCommand: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                cacheDirectory: String? = LocalCache.defaultDirectory(), lockWait: TimeInterval = 0,
                onLockWait: (@Sendable (String) -> Void)? = nil) {
        self.environment = environment
        self.cacheDirectory = cacheDirectory
        self.lockWait = lockWait
        self.onLockWait = onLockWait
    }

    /// Opens `config`'s repository without loading its index (load it under a lock).
    public func open(_ config: RepositoryConfig) throws -> Repository {
        var environment = self.environment
        if let storageClass = config.s3StorageClass { environment["REPO_S3_STORAGE_CLASS"] = storageClass }
        if let connections = config.s3Connections { environment["REPO_S3_CONNECTIONS"] = String(connections) }
        let backend = try BackendFactory.open(config.location, environment: environment)
        try Repository.checkFormatVersion(backend: backend)
        let ownSource = config.passwordFile != nil || config.passwordCommand != nil
        let password = try PasswordSource(file: ownSource ? config.passwordFile : passwordFile,
                                          command: ownSource ? config.passwordCommand : passwordCommand,
                                          environment: self.environment).password(prompt: "password of repository \(config.name): ")
        do {
            return try Repository.open(backend: backend, password: password, cacheDirectory: cacheDirectory, loadIndex: false)
        } catch let error as FormatError {
            switch error {
            case .wrongPassword, .noKeys: throw PasswordError("repository \(config.name) (\(config.location)): \(error)")
            default: throw error
            }
        }
    }

    /// Takes a lock on `repository`, waiting up to `lockWait`, then (re)loads its index: an
    /// index read before the lock could predate a prune that finished in between.
    public func lock(_ repository: Repository, exclusive: Bool, operation: String, loadIndex: Bool = true) throws -> RepositoryLock {
        let lock = try RepositoryLock.acquire(repository, exclusive: exclusive, operation: operation, wait: lockWait, onWait: onLockWait)
        do {
            if loadIndex { try repository.loadIndex() }
        } catch {
            lock.release()
            throw error
        }
        return lock
    }
}
