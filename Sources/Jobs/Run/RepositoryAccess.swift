import Foundation
import Repo
import Storage

/// Opens the repositories a job file names (a `RepositoryOpener` per repository table:
/// its S3 settings, its password source) and takes their locks, waiting as the job allows.
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
    /// Told when a repository that cannot be written is read without a lock.
    public var onReadWithoutLock: (@Sendable (String) -> Void)?
    /// The job's `retry-budget`: over each repository's own, under the environment's
    /// REPO_RETRY_BUDGET (where the command line's `--retry-budget` lands).
    public var retryBudget: TimeInterval?
    /// Told of each wait before a backend retries a request.
    public var onRetry: RetryObserver?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                cacheDirectory: String? = LocalCache.defaultDirectory(), lockWait: TimeInterval = 0,
                onLockWait: (@Sendable (String) -> Void)? = nil) {
        self.environment = environment
        self.cacheDirectory = cacheDirectory
        self.lockWait = lockWait
        self.onLockWait = onLockWait
    }

    /// How `config`'s repository is opened: its S3 and SFTP settings, its password (its own
    /// `password-file`/`password-command`, else the command line's, else the environment's),
    /// named "repository NAME (LOCATION)" in password errors.
    public func opener(_ config: RepositoryConfig) -> RepositoryOpener {
        var backendEnvironment = environment
        if let storageClass = config.s3StorageClass { backendEnvironment["REPO_S3_STORAGE_CLASS"] = storageClass }
        if let connections = config.s3Connections { backendEnvironment["REPO_S3_CONNECTIONS"] = String(connections) }
        if let command = config.sftpCommand { backendEnvironment["REPO_SFTP_COMMAND"] = command }
        if environment["REPO_RETRY_BUDGET"] == nil, let budget = retryBudget ?? config.retryBudget {
            backendEnvironment["REPO_RETRY_BUDGET"] = String(budget)
        }
        let passwords = passwordSource(config)
        var opener = RepositoryOpener(location: config.location, name: "repository \(config.name) (\(config.location))",
                                      environment: backendEnvironment,
                                      password: { try passwords.password(prompt: "password of repository \(config.name): ") },
                                      cacheDirectory: cacheDirectory, lockWait: lockWait, onLockWait: onLockWait)
        opener.onRetry = onRetry
        return opener
    }

    /// Where `config`'s password comes from: its own `password-file`/`password-command`,
    /// else the command line's, else the environment's.
    public func passwordSource(_ config: RepositoryConfig) -> PasswordSource {
        let ownSource = config.passwordFile != nil || config.passwordCommand != nil
        return PasswordSource(file: ownSource ? config.passwordFile : passwordFile,
                              command: ownSource ? config.passwordCommand : passwordCommand, environment: environment)
    }

    /// Opens `config`'s repository without loading its index (load it under a lock).
    public func open(_ config: RepositoryConfig) throws -> Repository {
        try opener(config).open()
    }

    /// Takes a lock on `repository`, waiting up to `lockWait`, then (re)loads its index: an
    /// index read before the lock could predate a prune that finished in between.
    public func lock(_ repository: Repository, exclusive: Bool, operation: String, loadIndex: Bool = true) throws -> RepositoryLock {
        try RepositoryOpener.lock(repository, exclusive: exclusive, operation: operation, wait: lockWait, onWait: onLockWait,
                                  loadIndex: loadIndex)
    }

    /// A shared lock for what only reads (status, drills, database restores), then the
    /// index: as the read-only commands, none (after a note to `onReadWithoutLock`) when
    /// `config`'s repository cannot be written, a read-only mount or a full disk.
    public func lockForReading(_ repository: Repository, of config: RepositoryConfig, operation: String) throws -> RepositoryLock {
        var opener = opener(config)
        opener.onReadWithoutLock = onReadWithoutLock
        return try opener.lock(repository, exclusive: false, operation: operation, loadIndex: true, readOnly: true)
    }
}
