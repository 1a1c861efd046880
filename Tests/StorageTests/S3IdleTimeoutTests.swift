import Foundation
@testable import Storage
import TestSupport
import Testing

/// A store that accepts connections but never answers: the listening socket's backlog
/// completes the handshake, and nothing ever reads or writes. Requests must end within the
/// idle timeout per try and within the request's budget, with one line saying what to do.
@Suite struct S3IdleTimeoutTests {
    static func backend(port: UInt16, _ adjust: (inout S3Configuration) -> Void) throws -> S3Backend {
        var configuration = S3Configuration()
        configuration.retry.baseWait = 0.01
        configuration.retry.maxWait = 0.05
        adjust(&configuration)
        return try S3Backend(url: "s3:http://127.0.0.1:\(port)/bucket/prefix", configuration: configuration,
                             environment: MotoServer.environment)
    }

    static func failure(of backend: S3Backend) -> (message: String, seconds: Double) {
        let started = Date()
        do {
            _ = try backend.client.send("GET", key: "config", type: "GET")
            return ("no error", Date().timeIntervalSince(started))
        } catch {
            return (error.description, Date().timeIntervalSince(started))
        }
    }

    @Test func idleTriesEndWithOneLine() throws {
        let silent = try LoopbackSocket.listen()
        let backend = try Self.backend(port: silent.localPort) {
            $0.requestTimeout = 0.5
            $0.retry.maxAttempts = 3
        }
        let (message, seconds) = Self.failure(of: backend)
        #expect(seconds >= 1.4 && seconds < 4, "\(seconds) s")
        #expect(message.hasPrefix("the store at s3:http://127.0.0.1:\(silent.localPort)/bucket/prefix did not answer GET config for "),
                "\(message)")
        #expect(message.contains("s (3 attempts, retry budget 10m; last: 127.0.0.1 did not answer in time")
                && message.hasSuffix("check the endpoint, or raise REPO_S3_IDLE_TIMEOUT (now 0.5s)"), "\(message)")
    }

    @Test func theBudgetBoundsAllTries() throws {
        let silent = try LoopbackSocket.listen()
        let backend = try Self.backend(port: silent.localPort) {
            $0.requestTimeout = 0.5
            $0.retry.maxAttempts = 100
            $0.retry.budget = 1.2
        }
        let (message, seconds) = Self.failure(of: backend)
        // No try starts past the budget; the last one started may run one idle timeout over.
        #expect(seconds >= 1 && seconds < 2.5, "\(seconds) s")
        #expect(message.hasPrefix("the store at s3:http://127.0.0.1:\(silent.localPort)/bucket/prefix did not answer GET config for "),
                "\(message)")
        #expect(message.contains("retry budget 1.2s; last: ") && !message.contains("\n"), "\(message)")
    }

    @Test func durationsFromTheEnvironment() throws {
        let configuration = try S3Configuration(environment: ["REPO_S3_IDLE_TIMEOUT": "500ms", "REPO_S3_REQUEST_TIMEOUT": "2m"])
        #expect(configuration.requestTimeout == 0.5 && configuration.retry.budget == 120)
        #expect(try S3Configuration(environment: ["REPO_S3_IDLE_TIMEOUT": "45"]).requestTimeout == 45)
        #expect(try S3Configuration(environment: ["REPO_S3_IDLE_TIMEOUT": "1m30s"]).requestTimeout == 90)
        let defaults = try S3Configuration(environment: [:])
        #expect(defaults.requestTimeout == 30 && defaults.retry == RetryPolicy(budget: 600, maxWait: 30, baseWait: 0.2, maxAttempts: nil))
        for bad in ["0s", "2h", "soon", "-1s", "", "inf", "nan", "1e999"] {
            #expect(throws: BackendError.self, "\(bad)") { try S3Configuration(environment: ["REPO_S3_IDLE_TIMEOUT": bad]) }
        }
        #expect(throws: BackendError.self) { try S3Configuration(environment: ["REPO_S3_REQUEST_TIMEOUT": "0.5s"]) }
    }
}
