import Foundation
@testable import Storage
import TestSupport

/// A fresh sshd in a scratch directory, and SFTP backends on it, for the storage tests.
struct SFTPTestServer {
    let scratch: ScratchDirectory
    let server: SSHServer

    /// Why these tests cannot run here, recorded as the reason they are skipped.
    static var unavailable: Bool { SSHServer.unavailableReason != nil }

    init() throws {
        scratch = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/ssh", withIntermediateDirectories: true)
        server = try SSHServer.start(in: "\(scratch.path)/ssh")
    }

    /// The environment a backend gets: the server's command, a short retry budget.
    func environment(identity: String? = nil, knownHosts: String? = nil, budget: String = "20s") -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["REPO_SFTP_COMMAND"] = server.sftpCommand(identity: identity, knownHosts: knownHosts)
        environment["REPO_RETRY_BUDGET"] = budget
        return environment
    }

    /// A new repository directory `name` in the scratch directory, created over SFTP.
    func create(_ name: String = UUID().uuidString, environment: [String: String]? = nil,
                onRetry: RetryObserver? = nil) throws -> SFTPBackend {
        try SFTPBackend.create(url: server.url("\(scratch.path)/\(name)"), environment: environment ?? self.environment(), onRetry: onRetry)
    }

    func stop() { server.stop() }
}
