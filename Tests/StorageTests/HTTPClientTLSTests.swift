import Foundation
@testable import Storage
import TestSupport
import Testing

/// TLS against `openssl s_server` on 127.0.0.1 with a certificate made for the test: the
/// certificate is checked (trust and name), and a trusted server is talked to over one
/// connection or fresh ones, as the server chooses.
@Suite struct HTTPClientTLSTests {
    /// A self-signed certificate for IP 127.0.0.1 and a server that answers every GET of
    /// `/ok` with "hello" (s_server's -HTTP mode sends files as complete answers).
    final class TLSServer {
        let directory: URL
        let port: UInt16
        private let process: Process

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Self.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                          "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem"], in: directory)
            try Data("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".utf8).write(to: directory.appendingPathComponent("ok"))
            var started: (Process, UInt16)?
            for _ in 0..<5 where started == nil {
                let port = try LoopbackSocket.freePort()
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", "cert.pem", "-key", "key.pem", "-HTTP", "-quiet"]
                process.currentDirectoryURL = directory
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                for _ in 0..<100 {
                    if (try? LoopbackSocket.connect(port: port)) != nil {
                        started = (process, port)
                        break
                    }
                    guard process.isRunning else { break }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                if started == nil && process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            guard let started else { throw LoopbackError("openssl s_server did not start") }
            (process, port) = started
        }

        deinit {
            kill(process.processIdentifier, SIGKILL)  // s_server does not stop on SIGTERM while serving
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }

        var certificate: String { directory.appendingPathComponent("cert.pem").path }

        static func run(_ arguments: [String], in directory: URL) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw LoopbackError("openssl \(arguments[0]) failed") }
        }
    }

    @Test func aTrustedServerAnswersRequestAfterRequest() throws {
        let server = try TLSServer()
        let client = HTTPClient(timeout: 5, maxConnections: 2, trustedCertificates: server.certificate)
        let endpoint = HTTPEndpoint(secure: true, authority: "127.0.0.1:\(server.port)")!
        for _ in 0..<3 {
            let response = try client.send(HTTPRequest(method: "GET", target: "/ok"), to: endpoint)
            #expect(response.status == 200 && response.body == Array("hello".utf8))
        }
    }

    /// Bandwidth limits count what TLS puts on the wire: the handshake and the records'
    /// framing, not only the request and answer (here: a few dozen bytes each).
    @Test func bandwidthLimitsCountTheHandshakeAndRecords() throws {
        let server = try TLSServer()
        let endpoint = HTTPEndpoint(secure: true, authority: "127.0.0.1:\(server.port)")!
        var charged: [Double] = []
        for limits in [{ BandwidthLimits(upload: .constant(1 << 20), clock: $0) }, { BandwidthLimits(download: .constant(1 << 20), clock: $0) }] {
            // Every byte taken moves this clock on by 1 µs: the clock tells the bytes charged.
            let clock = ManualBandwidthClock()
            let client = HTTPClient(timeout: 5, maxConnections: 1, trustedCertificates: server.certificate, bandwidth: limits(clock))
            let response = try client.send(HTTPRequest(method: "GET", target: "/ok"), to: endpoint)
            #expect(response.status == 200)
            charged.append(clock.now() * Double(1 << 20))
        }
        #expect(charged[0] > 300, "ClientHello and the rest of the handshake: \(charged[0]) bytes sent")
        #expect(charged[1] > 1000, "the server's certificate at least: \(charged[1]) bytes received")
    }

    @Test func anUntrustedCertificateIsRefusedForGood() throws {
        let server = try TLSServer()
        let client = HTTPClient(timeout: 5, maxConnections: 2)
        do {
            _ = try client.send(HTTPRequest(method: "GET", target: "/ok"), to: HTTPEndpoint(secure: true, authority: "127.0.0.1:\(server.port)")!)
            Issue.record("a self-signed certificate was accepted")
        } catch {
            guard case .tls(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("self-signed") || reason.contains("self signed"), "\(reason)")
            #expect(error.isPermanent)
        }
    }

    @Test func aCertificateForAnotherNameIsRefused() throws {
        let server = try TLSServer()
        let client = HTTPClient(timeout: 5, maxConnections: 2, trustedCertificates: server.certificate)
        do {
            _ = try client.send(HTTPRequest(method: "GET", target: "/ok"), to: HTTPEndpoint(secure: true, authority: "localhost:\(server.port)")!)
            Issue.record("a certificate for 127.0.0.1 was accepted for localhost")
        } catch {
            guard case .tls(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("mismatch"), "\(reason)")
        }
    }

    @Test func aMissingCertificateFileIsNamed() throws {
        let client = HTTPClient(timeout: 5, maxConnections: 2, trustedCertificates: "/nonexistent/ca.pem")
        #expect { try client.send(HTTPRequest(method: "GET", target: "/"), to: HTTPEndpoint(secure: true, authority: "127.0.0.1:1")!) }
            throws: { "\($0)".contains("/nonexistent/ca.pem") }
    }
}
