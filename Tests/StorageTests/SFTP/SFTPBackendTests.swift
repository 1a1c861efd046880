import Foundation
@testable import Storage
import Synchronization
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What the SFTP backend does beyond the conformance suite, against a real sshd: the
/// layout it creates, a connection that breaks, and ssh refusing to connect.
@Suite(.enabled(if: !SFTPTestServer.unavailable, "needs OpenSSH's sshd and ssh (scripts/setup.sh installs them)"))
struct SFTPBackendTests {
    @Test func createsTheLocalLayoutOnTheServer() throws {
        let server = try SFTPTestServer()
        defer { server.stop() }
        let backend = try server.create("repository/nested")
        try backend.write(.config, [1, 2, 3])
        let root = "\(server.scratch.path)/repository/nested"
        for kind in LocalLayout.kindDirectories {
            #expect(FileManager.default.fileExists(atPath: "\(root)/\(kind.rawValue)"), "\(kind)")
        }
        #expect(FileManager.default.fileExists(atPath: "\(root)/data/ff"))
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: "\(root)/config"))) == [1, 2, 3])
        #expect(throws: BackendError.alreadyExists(location: backend.location)) { try server.create("repository/nested") }
        let url = server.server.url("\(server.scratch.path)/elsewhere")
        #expect(throws: BackendError.repositoryNotFound(location: try SFTPLocation(parsing: url).description)) {
            try SFTPBackend.open(url: url, environment: server.environment())
        }
    }

    @Test func removesOldTemporariesOnly() throws {
        let server = try SFTPTestServer()
        defer { server.stop() }
        let backend = try server.create("repository")
        let root = "\(server.scratch.path)/repository"
        let old = "\(root)/data/ab/.tmp-0011223344556677", fresh = "\(root)/index/.tmp-8899aabbccddeeff"
        FileManager.default.createFile(atPath: old, contents: Data([1]))
        FileManager.default.createFile(atPath: fresh, contents: Data([2]))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: old)
        #expect(try backend.removeIncompleteWrites(olderThan: 3600) == 1)
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: fresh))
    }

    /// ssh killed between requests and in the middle of a large write: the next request
    /// and the write itself go through on a new connection, each wait told to the observer.
    @Test func reconnectsAfterTheConnectionBreaks() throws {
        let server = try SFTPTestServer()
        defer { server.stop() }
        let retries = Mutex<[RetryEvent]>([])
        let backend = try server.create(onRetry: { event in retries.withLock { $0.append(event) } })
        let name = ObjectName(.snapshots, String(repeating: "ab", count: 32))
        try backend.write(name, [9, 9])
        let first = try #require(backend.connectionProcessID)
        kill(-first, SIGKILL)  // the shell of REPO_SFTP_COMMAND and its ssh
        // Retried (a wait told) when the request met the dead connection, or replaced at once
        // when the reader had seen it end first.
        #expect(try backend.read(name) == [9, 9])
        #expect(backend.connectionProcessID != first)
        let before = retries.withLock { $0.count }
        #expect(before <= 1)

        // Cut while the pack's temporary file is on the server: the write is under way.
        let large = (0..<(64 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let pack = ObjectName(.dataPack, String(repeating: "cd", count: 32))
        let shard = "\(server.scratch.path)/\(backend.server.path.split(separator: "/").last!)/data/cd"
        let killer = Thread {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: shard)) ?? []
                if entries.contains(where: { $0.hasPrefix(".tmp-") }), let pid = backend.connectionProcessID {
                    kill(-pid, SIGKILL)
                    return
                }
                usleep(500)
            }
        }
        killer.start()
        try backend.write(pack, large)
        #expect(try backend.read(pack) == large)
        #expect(retries.withLock { $0.count } > before, "the write was retried")
    }

    /// A connection that keeps breaking is retried until the budget is spent, then reported
    /// as unreachable (exit 19 at the command line).
    @Test func givesUpAsUnreachableWhenTheServerIsGone() throws {
        let server = try SFTPTestServer()
        let backend = try server.create(environment: server.environment(budget: "2s"))
        server.stop()
        if let pid = backend.connectionProcessID { kill(-pid, SIGKILL) }
        let started = Date()
        let error = #expect(throws: BackendError.self) { try backend.stat(.config) }
        guard case .unreachable(let message) = error else { Issue.record("not unreachable: \(String(describing: error))"); return }
        #expect(message.contains("retry budget 2s"))
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func aHostKeyMismatchIsOneLineAndNotRetried() throws {
        let server = try SFTPTestServer()
        defer { server.stop() }
        let retries = Mutex(0)
        let started = Date()
        let error = #expect(throws: BackendError.self) {
            try server.create(environment: server.environment(knownHosts: server.server.wrongKnownHosts, budget: "60s"),
                              onRetry: { _ in retries.withLock { $0 += 1 } })
        }
        guard case .service(let message) = error else { Issue.record("not a service error: \(String(describing: error))"); return }
        #expect(message.contains("host key of \(server.server.user)@127.0.0.1 does not match"))
        #expect(!message.contains("\n"))
        #expect(retries.withLock { $0 } == 0)
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func refusedAuthenticationIsOneLineAndNotRetried() throws {
        let server = try SFTPTestServer()
        defer { server.stop() }
        let retries = Mutex(0)
        let error = #expect(throws: BackendError.self) {
            try server.create(environment: server.environment(identity: server.server.strangerKey, budget: "60s"),
                              onRetry: { _ in retries.withLock { $0 += 1 } })
        }
        guard case .service(let message) = error else { Issue.record("not a service error: \(String(describing: error))"); return }
        #expect(message.contains("refused authentication"))
        #expect(message.contains("Permission denied"))
        #expect(!message.contains("\n"))
        #expect(retries.withLock { $0 } == 0)
    }

    /// ssh gets repo's environment without its secrets.
    @Test func sshGetsNoSecrets() throws {
        let server = try SFTPTestServer()
        defer { server.stop() }
        let dump = "\(server.scratch.path)/environment"
        var environment = server.environment()
        environment["REPO_PASSWORD"] = "hunter2"
        environment["AWS_SECRET_ACCESS_KEY"] = "secret"
        environment["REPO_SFTP_COMMAND"] = "env > \(dump); " + server.server.sftpCommand()
        _ = try server.create(environment: environment)
        let seen = try String(contentsOfFile: dump, encoding: .utf8)
        #expect(!seen.contains("hunter2") && !seen.contains("AWS_SECRET_ACCESS_KEY"))
        #expect(seen.contains("PATH="))
    }
}

/// A server that stops answering behind a live connection (a hung sftp server, a login that
/// never completes): each try is given up after REPO_SFTP_IDLE_TIMEOUT and retried, then
/// the store counts as unreachable. Needs no sshd: the "server" is a script.
@Test(.enabled(if: ProgramsOnPath.python3 != nil, "needs python3 for the silent server"))
func sftpGivesUpASilentServerAfterTheIdleTimeout() throws {
    for answersVersion in [true, false] {
        let script = """
            import sys, time
            sys.stdin.buffer.read(9)
            if \(answersVersion ? "True" : "False"):
                sys.stdout.buffer.write(bytes([0, 0, 0, 5, 2, 0, 0, 0, 3])); sys.stdout.flush()
            time.sleep(600)
            """
        var environment = ProcessInfo.processInfo.environment
        environment["REPO_SFTP_COMMAND"] = "exec python3 -c '\(script)'"
        environment["REPO_SFTP_IDLE_TIMEOUT"] = "1s"
        environment["REPO_RETRY_BUDGET"] = "2s"
        let backend = try SFTPBackend(url: "sftp:silent.example:/repository", environment: environment)
        let started = Date()
        let error = #expect(throws: BackendError.self) { try backend.stat(.config) }
        guard case .unreachable(let message) = error else {
            Issue.record("not unreachable: \(String(describing: error))")
            continue
        }
        #expect(message.contains(answersVersion ? "answered nothing for 1s" : "did not answer within 1s"), "\(message)")
        #expect(Date().timeIntervalSince(started) < 15)
    }
}

/// Whether a program is on PATH, for tests that need one.
enum ProgramsOnPath {
    static var python3: String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
