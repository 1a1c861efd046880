import Foundation
import TestSupport
import XCTest

/// A server written in Python that a notification test starts on a free port of 127.0.0.1:
/// the script runs in its own scratch directory (which it writes what it received to) with
/// a self-signed certificate for 127.0.0.1 there as cert.pem and key.pem, and creates the
/// file `ready` once it listens. Its arguments: the directory, the port, then `arguments`.
final class NotifyPythonServer {
    let directory: URL
    let port: UInt16
    private let process: Process

    /// Fails the test (never skips) when `module` is not installed.
    init(script: String, arguments: [String], module: String? = nil) throws {
        if let module {
            guard try Self.run(["python3", "-c", "import \(module)"], in: nil) else {
                XCTFail("Python's \(module) is missing: run scripts/setup.sh")
                throw LoopbackError("\(module) is missing")
            }
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try script.write(to: directory.appendingPathComponent("server.py"), atomically: true, encoding: .utf8)
        guard try Self.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem"], in: directory) else {
            throw LoopbackError("openssl req failed")
        }
        var started: (Process, UInt16)?
        let ready = directory.appendingPathComponent("ready").path
        for _ in 0..<3 where started == nil {  // the free port may be taken meanwhile
            let port = try LoopbackSocket.freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "server.py", directory.path, "\(port)"] + arguments
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
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
        guard let started else { throw LoopbackError("the Python server did not start") }
        (process, port) = started
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    var certificate: String { directory.appendingPathComponent("cert.pem").path }

    func contents(_ name: String) -> Data? { FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) }

    /// The lines of a JSON-lines file the server wrote, each an object.
    func jsonLines(_ name: String) throws -> [[String: Any]] {
        guard let data = contents(name) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
    }

    private static func run(_ arguments: [String], in directory: URL?) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
