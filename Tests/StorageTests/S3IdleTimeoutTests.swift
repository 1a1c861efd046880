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
        configuration.retryBaseDelay = 0.01
        configuration.maxRetryDelay = 0.05
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
            $0.maxAttempts = 3
        }
        let (message, seconds) = Self.failure(of: backend)
        #expect(seconds >= 1.4 && seconds < 4, "\(seconds) s")
        #expect(message == "the store at s3:http://127.0.0.1:\(silent.localPort)/bucket/prefix did not answer for 0.5 s (idle) to GET, "
                + "3 tries; check the endpoint or raise REPO_S3_IDLE_TIMEOUT", "\(message)")
    }

    @Test func theBudgetBoundsAllTries() throws {
        let silent = try LoopbackSocket.listen()
        let backend = try Self.backend(port: silent.localPort) {
            $0.requestTimeout = 0.5
            $0.maxAttempts = 100
            $0.requestBudget = 1.2
        }
        let (message, seconds) = Self.failure(of: backend)
        // No try starts past the budget; the last one started may run one idle timeout over.
        #expect(seconds >= 1 && seconds < 2.5, "\(seconds) s")
        #expect(message.hasPrefix("the store at s3:http://127.0.0.1:\(silent.localPort)/bucket/prefix did not answer GET within 1.2 s (REPO_S3_REQUEST_TIMEOUT), "),
                "\(message)")
        #expect(message.hasSuffix("check the endpoint or raise REPO_S3_REQUEST_TIMEOUT") && !message.contains("\n"), "\(message)")
    }

    @Test func durationsFromTheEnvironment() throws {
        let configuration = try S3Configuration(environment: ["REPO_S3_IDLE_TIMEOUT": "500ms", "REPO_S3_REQUEST_TIMEOUT": "2m"])
        #expect(configuration.requestTimeout == 0.5 && configuration.requestBudget == 120)
        #expect(try S3Configuration(environment: ["REPO_S3_IDLE_TIMEOUT": "45"]).requestTimeout == 45)
        #expect(try S3Configuration(environment: ["REPO_S3_IDLE_TIMEOUT": "1m30s"]).requestTimeout == 90)
        let defaults = try S3Configuration(environment: [:])
        #expect(defaults.requestTimeout == 30 && defaults.requestBudget == 300)
        for bad in ["0s", "2h", "soon", "-1s", "", "inf", "nan", "1e999"] {
            #expect(throws: BackendError.self, "\(bad)") { try S3Configuration(environment: ["REPO_S3_IDLE_TIMEOUT": bad]) }
        }
        #expect(throws: BackendError.self) { try S3Configuration(environment: ["REPO_S3_REQUEST_TIMEOUT": "0.5s"]) }
    }
}
