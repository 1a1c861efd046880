import Foundation
import Repo

/// What every command needs besides its own arguments: where the repository is, how to
/// get the password, where the cache lives, and how to print.
struct CommandContext {
    let arguments: ParsedArguments
    let output: Output
    let location: String?
    let passwords: PasswordSource
    let cacheDirectory: String?

    init(_ arguments: ParsedArguments) throws {
        self.arguments = arguments
        output = Output(json: arguments.has("json"), quiet: arguments.has("quiet"), verbose: arguments.has("verbose"))
        location = arguments.value("repo") ?? ProcessInfo.processInfo.environment["REPO_REPOSITORY"]
        passwords = PasswordSource(file: arguments.value("password-file"), command: arguments.value("password-command"))
        cacheDirectory = arguments.has("no-cache") ? nil : (arguments.value("cache-dir") ?? LocalCache.defaultDirectory())
    }

    func requireLocation() throws -> String {
        guard let location, !location.isEmpty else {
            throw UsageError("no repository given: use --repo or set REPO_REPOSITORY")
        }
        return location
    }

    /// The backend of an existing repository.
    func backend() throws -> any Backend {
        try BackendFactory.open(try requireLocation())
    }

    /// Opens the repository: backend, password, keys, index.
    /// Opens the repository, takes a lock and only then loads the index: an index read
    /// before the lock could predate a prune that finished in between.
    func openLocked(exclusive: Bool, operation: String, loadIndex: Bool = true) throws -> (Repository, RepositoryLock) {
        let repository = try openRepository(loadIndex: false)
        let lock = try RepositoryLock.acquire(repository, exclusive: exclusive, operation: operation)
        do {
            if loadIndex { try repository.loadIndex() }
        } catch {
            lock.release()
            throw error
        }
        return (repository, lock)
    }

    /// Opens the repository; `loadIndex: false` for commands that never look up a blob (or,
    /// like prune, load the index themselves once they hold their lock).
    func openRepository(loadIndex: Bool = true) throws -> Repository {
        let backend = try backend()
        try Repository.checkFormatVersion(backend: backend)
        return try Repository.open(backend: backend, password: try passwords.password(), cacheDirectory: cacheDirectory,
                                   loadIndex: loadIndex)
    }
}
