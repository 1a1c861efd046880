import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real SMTP server for the email notifier's tests: Python's aiosmtpd on 127.0.0.1, with
/// STARTTLS on a certificate made for the test (unless `startTLS` is false) and AUTH that
/// it only allows over TLS. Every message lands in `directory` as message-N.eml (the DATA
/// as received) next to message-N.json (envelope, TLS, login); every AUTH attempt is a
/// line of auth.log.
final class NotifySMTPServer {
    let directory: URL
    let port: UInt16
    private let process: Process

    static let script = #"""
        import json, os, ssl, sys, threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        directory, port, user, password, starttls = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5] == "1"
        lock = threading.Lock()

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode()
            with lock, open(os.path.join(directory, "auth.log"), "a") as log:
                log.write(json.dumps({"mechanism": mechanism, "tls": session.ssl is not None, "ok": ok}) + "\n")
            return AuthResult(success=ok, handled=False)  # handled=True would leave the client unanswered

        class Handler:
            count = 0
            async def handle_DATA(self, server, session, envelope):
                Handler.count += 1
                base = os.path.join(directory, "message-%d" % Handler.count)
                with open(base + ".json", "w") as meta:
                    json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": session.ssl is not None,
                               "authenticated": bool(session.authenticated)}, meta)
                with open(base + ".eml", "wb") as message:
                    message.write(envelope.original_content)
                return "250 2.0.0 stored"

        context = None
        if starttls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem"))
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context, authenticator=authenticator,
                                auth_require_tls=starttls, decode_data=False)
        controller.start()
        open(os.path.join(directory, "ready"), "w").close()
        threading.Event().wait()
        """#

    /// Fails the test (never skips) when aiosmtpd is not installed.
    init(user: String, password: String, startTLS: Bool = true) throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import aiosmtpd"]
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        guard check.terminationStatus == 0 else {
            XCTFail("Python's aiosmtpd is missing: run scripts/setup.sh")
            throw LoopbackError("aiosmtpd is missing")
        }

        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.script.write(to: directory.appendingPathComponent("server.py"), atomically: true, encoding: .utf8)
        if startTLS {
            try Self.openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                              "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem"], in: directory)
        }
        var started: (Process, UInt16)?
        for _ in 0..<3 where started == nil {
            let port = try LoopbackSocket.freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", directory.appendingPathComponent("server.py").path, directory.path, "\(port)", user, password,
                                 startTLS ? "1" : "0"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let ready = directory.appendingPathComponent("ready").path
            for _ in 0..<200 where process.isRunning && !FileManager.default.fileExists(atPath: ready) {
                Thread.sleep(forTimeInterval: 0.05)
            }
            if FileManager.default.fileExists(atPath: ready) {
                started = (process, port)
            } else if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        guard let started else { throw LoopbackError("the aiosmtpd server did not start") }
        (process, port) = started
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    var certificate: String { directory.appendingPathComponent("cert.pem").path }

    /// The messages received, in order: the raw DATA and the envelope's facts.
    func messages() throws -> [(text: String, envelope: [String: Any])] {
        var found: [(String, [String: Any])] = []
        var index = 1
        while let raw = FileManager.default.contents(atPath: directory.appendingPathComponent("message-\(index).eml").path) {
            let meta = try Data(contentsOf: directory.appendingPathComponent("message-\(index).json"))
            found.append((String(decoding: raw, as: UTF8.self), try JSONSerialization.jsonObject(with: meta) as? [String: Any] ?? [:]))
            index += 1
        }
        return found
    }

    /// Every AUTH attempt: mechanism, whether it came over TLS, whether it succeeded.
    func authAttempts() throws -> [[String: Any]] {
        guard let log = FileManager.default.contents(atPath: directory.appendingPathComponent("auth.log").path) else { return [] }
        return try String(decoding: log, as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    private static func openssl(_ arguments: [String], in directory: URL) throws {
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
