import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// A local S3 for tests: moto's server (`pip install 'moto[server]'`, which scripts/test.sh
// does) run by the python3 on PATH (or $REPO_TEST_PYTHON), started on 127.0.0.1 at a free
// port and stopped with SIGTERM, then SIGKILL; it also exits by itself when the test
// process is gone.
// Part of TestSupport, shared by RepoTests and EndToEndTests: it must not import Repo.
//
// One server per suite, not per test (it takes a second or two to start):
//
//     @Suite(.motoServer) struct MyS3Tests {
//         @Test func something() throws {
//             let moto = try MotoServer.suiteServer()
//             let bucket = try moto.makeBucket()
//             … "s3:\(moto.endpoint)/\(bucket)/prefix" with MotoServer.environment …
//         }
//     }
//
// Tests share the server, so each takes buckets of its own (`makeBucket()`), and may run
// in parallel.

/// A running moto server on 127.0.0.1.
public final class MotoServer: Sendable {
    public let port: UInt16
    public let pid: pid_t
    /// moto's own output (standard output and error), for the messages of a server that
    /// does not start. The file is unlinked at once, so that a crashed test run leaves none
    /// behind; REPO_TEST_KEEP_MOTO_LOG=1 keeps it (its tracebacks explain moto's 500s).
    private let logFD: Int32
    public let logPath: String
    /// Whether `stop()` ran, and whether the process was reaped (its pid is then no longer
    /// ours to signal).
    private let state = Mutex((stopped: false, reaped: false))
    private let bucketCounter = Atomic<Int>(0)

    /// `http://127.0.0.1:PORT`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The credentials and region tests give S3 clients (moto accepts any; these are the
    /// values moto's documentation uses, so no real key can leak into a test).
    public static let credentials: [String: String] = [
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    ]

    /// The environment an S3 client under test gets: the credentials above and nothing of
    /// the test process's own environment (no real AWS profile or key is ever read).
    public static var environment: [String: String] {
        credentials.merging(["HOME": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_CONFIG_FILE": "/dev/null"]) { a, _ in a }
    }

    /// The server of the enclosing suite (`@Suite(.motoServer)`).
    @TaskLocal public static var current: MotoServer?

    public static func suiteServer() throws -> MotoServer {
        guard let current else {
            throw LoopbackError("no moto server here: give the suite the `.motoServer` trait (@Suite(.motoServer))")
        }
        return current
    }

    private init(port: UInt16, pid: pid_t, logFD: Int32, logPath: String) {
        self.port = port
        self.pid = pid
        self.logFD = logFD
        self.logPath = logPath
    }

    private static var keepsLog: Bool { ProcessInfo.processInfo.environment["REPO_TEST_KEEP_MOTO_LOG"] == "1" }

    deinit { stop() }

    /// Runs moto with a watchdog: it exits when its parent (the test process) is gone, so a
    /// crashed or killed test run leaves no server behind. Werkzeug's per-request log lines
    /// are silenced (thousands of requests per suite).
    private static let launcher = """
        import logging, os, sys, threading, time
        parent = os.getppid()
        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        try:
            from moto.server import main
        except ImportError as error:
            sys.stderr.write("moto's server is not installed: %s\\n" % error)
            sys.exit(3)
        main(sys.argv[1:])
        """

    /// Starts a server and waits until it answers HTTP. A port taken between choosing and
    /// binding it is retried with another.
    public static func start(timeout: Double = 60) throws -> MotoServer {
        var lastError: Error = LoopbackError("moto did not start")
        for _ in 0..<5 {
            let port = try LoopbackSocket.freePort()
            let server = try launch(port: port)
            do {
                try server.waitUntilReady(timeout: timeout)
                return server
            } catch let error as PortTaken {
                lastError = error
                server.stop()
                continue
            } catch {
                server.stop()
                throw error
            }
        }
        throw lastError
    }

    private struct PortTaken: Error {}

    private static func launch(port: UInt16) throws -> MotoServer {
        let python = ProcessInfo.processInfo.environment["REPO_TEST_PYTHON"] ?? "python3"
        var template = Array((NSTemporaryDirectory() + "/moto-\(port)-XXXXXX").utf8CString)
        let logFD = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard logFD >= 0 else { throw LoopbackError.system("mkstemp") }
        let logPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        _ = fcntl(logFD, F_SETFD, FD_CLOEXEC)
        if !keepsLog { unlink(logPath) }

        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["MOTO_PORT"] = "\(port)"
        let pid: pid_t
        do {
            // Its own process group, so that stopping it reaches anything it started.
            pid = try Spawn.start(.searchPath(python), arguments: [python, "-c", launcher, "-H", "127.0.0.1", "-p", "\(port)"],
                                  environment: environment, output: logFD, errors: logFD, grouping: .ownGroup)
        } catch let error as SpawnError {
            close(logFD)
            if keepsLog { unlink(logPath) }  // (otherwise unlinked already)
            throw LoopbackError("cannot start \(python) for moto: \(error.reason)")
        }
        return MotoServer(port: port, pid: pid, logFD: logFD, logPath: logPath)
    }

    private func log() -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(logFD, $0.baseAddress, $0.count, off_t(bytes.count)) }
            if n <= 0 { break }
            bytes += buffer[..<n]
        }
        return String(String(decoding: bytes, as: UTF8.self).suffix(2000))
    }

    private func waitUntilReady(timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                state.withLock { $0.reaped = true }
                let output = log()
                if output.contains("Address already in use") { throw PortTaken() }
                throw LoopbackError("""
                    moto's server exited at start (exit status \(Spawn.exitStatus(status))); install it with \
                    `pip install 'moto[server]'` (scripts/test.sh does). Its output:
                    \(output)
                    """)
            }
            if let answer = try? LoopbackHTTP.request(port: port, method: "GET", target: "/", timeout: 2),
               answer.status == 200, answer.text.contains("ListAllMyBucketsResult"),
               kill(pid, 0) == 0, waitpid(pid, &status, WNOHANG) == 0 {
                return
            }
            if Date() > deadline {
                throw LoopbackError("moto did not answer on \(endpoint) within \(Int(timeout)) s. Its output:\n\(log())")
            }
            usleep(50_000)
        }
    }

    /// Stops the server: SIGTERM, and SIGKILL if it has not exited within 3 seconds.
    public func stop() {
        let (first, reaped) = state.withLock { state in
            defer { state = (true, true) }
            return (!state.stopped, state.reaped)
        }
        guard first else { return }
        defer {
            close(logFD)
            if Self.keepsLog { print("moto's output: \(logPath)") }
        }
        guard !reaped else { return }
        Spawn.stopGroup(pid)
    }

    // MARK: Buckets and objects, through plain HTTP

    /// Creates `name` (an unsigned `PUT /name`, which moto accepts).
    public func createBucket(_ name: String) throws {
        let answer = try LoopbackHTTP.request(port: port, method: "PUT", target: "/\(name)")
        guard answer.status == 200 else { throw LoopbackError("cannot create bucket \(name) on moto: \(answer)") }
    }

    /// A new bucket with a name no other test on this server has.
    public func makeBucket(_ label: String = "test") throws -> String {
        let clean = String(label.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(30))
        let name = "\(clean)-\(bucketCounter.add(1, ordering: .relaxed).newValue)-\(UInt32.random(in: 0...UInt32.max))"
        try createBucket(name)
        return name
    }

    private func objectRequest(_ method: String, _ target: String, body: [UInt8] = []) throws -> LoopbackHTTP.Response {
        try LoopbackHTTP.request(port: port, method: method, target: target,
                                 headers: ["Authorization": LoopbackHTTP.unverifiedAuthorization, "Content-Type": "application/octet-stream"],
                                 body: body)
    }

    /// Stores an object directly (to plant strangers beside a repository, say).
    public func putObject(bucket: String, key: String, _ bytes: [UInt8]) throws {
        let answer = try objectRequest("PUT", "/\(bucket)/\(s3PathEncode(key))", body: bytes)
        guard answer.status == 200 else { throw LoopbackError("cannot put \(bucket)/\(key) on moto: \(answer)") }
    }

    /// An object's bytes, or nil if it does not exist.
    public func getObject(bucket: String, key: String) throws -> [UInt8]? {
        let answer = try objectRequest("GET", "/\(bucket)/\(s3PathEncode(key))")
        if answer.status == 404 { return nil }
        guard answer.status == 200 else { throw LoopbackError("cannot get \(bucket)/\(key) from moto: \(answer)") }
        return answer.body
    }

    public func deleteObject(bucket: String, key: String) throws {
        let answer = try objectRequest("DELETE", "/\(bucket)/\(s3PathEncode(key))")
        guard answer.status == 204 || answer.status == 200 else { throw LoopbackError("cannot delete \(bucket)/\(key) on moto: \(answer)") }
    }

    /// An object's storage class as a HEAD answers it (STANDARD when the store names none),
    /// or nil if it does not exist.
    public func storageClass(bucket: String, key: String) throws -> String? {
        let answer = try objectRequest("HEAD", "/\(bucket)/\(s3PathEncode(key))")
        if answer.status == 404 { return nil }
        guard answer.status == 200 else { throw LoopbackError("cannot head \(bucket)/\(key) on moto: \(answer)") }
        return answer.head.fields.first { $0.name.lowercased() == "x-amz-storage-class" }?.value ?? "STANDARD"
    }

    /// Every key in `bucket` under `prefix`, in order, following continuation tokens.
    public func keys(bucket: String, prefix: String = "") throws -> [String] {
        var keys: [String] = []
        var token: String?
        repeat {
            var query = "list-type=2&prefix=\(queryEncode(prefix))"
            if let token { query += "&continuation-token=\(queryEncode(token))" }
            let answer = try objectRequest("GET", "/\(bucket)?\(query)")
            guard answer.status == 200 else { throw LoopbackError("cannot list \(bucket) on moto: \(answer)") }
            keys += Self.elements("Key", in: answer.text)
            token = answer.text.contains("<IsTruncated>true</IsTruncated>") ? Self.elements("NextContinuationToken", in: answer.text).first : nil
        } while token != nil
        return keys
    }

    /// Multipart uploads started and neither completed nor aborted.
    public func pendingMultipartUploads(bucket: String) throws -> [String] {
        let answer = try objectRequest("GET", "/\(bucket)?uploads")
        guard answer.status == 200 else { throw LoopbackError("cannot list uploads of \(bucket) on moto: \(answer)") }
        return Self.elements("UploadId", in: answer.text)
    }

    private func queryEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn:
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? text
    }

    /// The texts of every `<name>…</name>` (XML entities decoded), good enough for S3's
    /// flat answers.
    public static func elements(_ name: String, in xml: String) -> [String] {
        var found: [String] = []
        var rest = Substring(xml)
        while let open = rest.range(of: "<\(name)>"), let close = rest[open.upperBound...].range(of: "</\(name)>") {
            found.append(String(rest[open.upperBound..<close.lowerBound])
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
                .replacingOccurrences(of: "&amp;", with: "&"))
            rest = rest[close.upperBound...]
        }
        return found
    }
}
