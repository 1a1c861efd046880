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
    func openRepository() throws -> Repository {
        let backend = try backend()
        try Repository.checkFormatVersion(backend: backend)
        return try Repository.open(backend: backend, password: try passwords.password(), cacheDirectory: cacheDirectory)
    }
}
