import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

// The harness: runs the built `repo` binary the way a user would (arguments, environment,
// standard input), captures its standard output, standard error and exit status, and
// enforces a timeout. Every test works in its own `Workspace` (a temporary directory with
// its own repository, cache and environment), so tests can run in parallel; the test
// process's own environment is never read for REPO_* variables and never changed.

/// What one run of a program left behind.
struct RunResult: CustomStringConvertible {
    let arguments: [String]
    /// The exit status, or 128 + the signal number when the process was killed.
    let status: Int32
    let signal: Int32?
    let timedOut: Bool
    let stdout: [UInt8]
    let stderr: [UInt8]
    let seconds: Double

    var out: String { String(decoding: stdout, as: UTF8.self) }
    var err: String { String(decoding: stderr, as: UTF8.self) }
    /// Standard output and standard error together, for "does any output mention X".
    var combined: String { out + "\n" + err }
    var stderrLines: [String] { err.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
    var stdoutLines: [String] { out.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// Standard output parsed as one JSON value (or nil, when it is not JSON).
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout), options: [.fragmentsAllowed]) }
    /// Standard output as a JSON object; for output in JSON Lines (`snapshot --json` streams
    /// `{"message_type": "status"}` lines before its summary), the summary line, else the last.
    var object: [String: Any] {
        if let whole = json as? [String: Any] { return whole }
        let lines = objectLines
        return lines.last { $0["message_type"] as? String == "summary" } ?? lines.last ?? [:]
    }
    /// Standard output as a JSON array of objects.
    var array: [[String: Any]] { (json as? [[String: Any]]) ?? [] }
    /// Standard output as JSON Lines (one object per line).
    var objectLines: [[String: Any]] {
        stdoutLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    var description: String {
        let shownOut = out.count > 2000 ? String(out.prefix(2000)) + "…" : out
        let shownErr = err.count > 2000 ? String(err.prefix(2000)) + "…" : err
        return "`repo \(arguments.joined(separator: " "))` → status \(status)\(timedOut ? " (TIMED OUT)" : "")"
            + "\n--- stdout ---\n\(shownOut)\n--- stderr ---\n\(shownErr)"
    }
}

/// Standard input for a child process.
enum StandardInput {
    /// /dev/null.
    case null
    /// File descriptor 0 is not open at all.
    case closed
    /// These bytes through a pipe, written while the child runs.
    case bytes([UInt8])
}

/// Raised for failures of the harness itself (not of `repo`).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// C library functions that Swift's Glibc module does not declare (they need _GNU_SOURCE or
/// headers it leaves out), looked up in the C library already loaded.
enum LibC {
    private static func lookup<Function>(_ name: String, as type: Function.Type) -> Function {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else { fatalError("the C library has no \(name)") }
        return unsafeBitCast(symbol, to: type)
    }

    static let pipe2 = lookup("pipe2", as: (@convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32).self)
    static let mkostemp = lookup("mkostemp", as: (@convention(c) (UnsafeMutablePointer<CChar>, Int32) -> Int32).self)
    static let llistxattr = lookup("llistxattr", as: (@convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int).self)
    static let lgetxattr = lookup("lgetxattr",
                                  as: (@convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int).self)
    static let lsetxattr = lookup("lsetxattr",
                                  as: (@convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32).self)
}

private let ignoreSigpipe: Void = {
    // A child that exits before reading all of its standard input must not kill the test
    // process with SIGPIPE while the harness is still writing to it.
    signal(SIGPIPE, SIG_IGN)
}()

/// A started child process. Standard output and error go to unlinked temporary files (no
/// pipe can fill up and block the child); standard input, when given as bytes, is fed
/// through a pipe by a helper thread.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    let arguments: [String]
    private let outFD: Int32
    private let errFD: Int32
    private let stdinDone: DispatchSemaphore?
    private let started = Date()
    private var finished: RunResult?

    /// Starts `executable` with `arguments` and exactly `environment` (nothing inherited).
    /// The child runs in a session of its own, so it has no controlling terminal (a password
    /// prompt on /dev/tty fails instead of hanging) and a signal can reach its whole group.
    init(executable: String, arguments: [String], environment: [String: String], stdin: StandardInput,
         scratch: String) throws {
        _ = ignoreSigpipe
        self.arguments = arguments
        func tempFile(_ tag: String) throws -> Int32 {
            let template = scratch + "/.harness-\(tag)-XXXXXX"
            var bytes = Array(template.utf8CString)
            let fd = bytes.withUnsafeMutableBufferPointer { LibC.mkostemp($0.baseAddress!, O_CLOEXEC) }
            guard fd >= 0 else { throw HarnessError("mkostemp \(template): \(String(cString: strerror(errno)))") }
            unlink(bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
            return fd
        }
        outFD = try tempFile("out")
        errFD = try tempFile("err")

        var pipeWrite: Int32 = -1
        var pipeRead: Int32 = -1
        let input: Spawn.Input
        switch stdin {
        case .null: input = .null
        case .closed: input = .closed
        case .bytes:
            var fds: [Int32] = [-1, -1]
            guard LibC.pipe2(&fds, O_CLOEXEC) == 0 else { throw HarnessError("pipe2: \(String(cString: strerror(errno)))") }
            pipeRead = fds[0]
            pipeWrite = fds[1]
            input = .descriptor(pipeRead)
        }
        let pid: pid_t
        do {
            defer { if pipeRead >= 0 { close(pipeRead) } }  // the child has its own copy
            pid = try Spawn.start(.path(executable), arguments: [executable] + arguments, environment: environment, input: input,
                                  output: outFD, errors: errFD, grouping: .ownSession)
        } catch let error as SpawnError {
            if pipeWrite >= 0 { close(pipeWrite) }
            close(outFD)
            close(errFD)
            throw HarnessError(error.description)
        }
        self.pid = pid

        if case .bytes(let input) = stdin {
            let done = DispatchSemaphore(value: 0)
            stdinDone = done
            let fd = pipeWrite
            Thread.detachNewThread {
                input.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = write(fd, raw.baseAddress! + offset, min(raw.count - offset, 1 << 16))
                        if n < 0 {
                            if errno == EINTR { continue }
                            break  // EPIPE: the child stopped reading
                        }
                        offset += n
                    }
                }
                close(fd)
                done.signal()
            }
        } else {
            stdinDone = nil
        }
    }

    /// Sends `signal` to the child (only to it: the pid, never a name).
    func kill(_ signal: Int32) {
        if finished == nil { _ = Glibc.kill(pid, signal) }
    }

    /// Waits for the child to exit; after `timeout` seconds it (and its process group) is
    /// killed and the result says so.
    func wait(timeout: Double = 120) -> RunResult {
        if let finished { return finished }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var timedOut = false
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { break }
            if Date() > deadline {
                timedOut = true
                _ = Glibc.kill(-pid, SIGKILL)  // the child's own process group (it leads a session)
                _ = Glibc.kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(2_000)
        }
        stdinDone?.wait()
        let result = RunResult(arguments: arguments, status: Spawn.exitStatus(status), signal: Spawn.terminatingSignal(status),
                               timedOut: timedOut, stdout: Self.readAll(outFD), stderr: Self.readAll(errFD),
                               seconds: Date().timeIntervalSince(started))
        close(outFD)
        close(errFD)
        finished = result
        return result
    }

    private static func readAll(_ fd: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var offset: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return bytes }
            bytes += buffer[..<n]
            offset += off_t(n)
        }
    }
}

/// Where the `repo` executable under test is: `REPO_E2E_BINARY` if set, else the first
/// directory at or above the running test bundle that holds an executable named `repo`
/// (SwiftPM puts it beside the test bundle: `.build-e2e/debug/repo`).
let repoBinary: String = {
    if let explicit = ProcessInfo.processInfo.environment["REPO_E2E_BINARY"], !explicit.isEmpty { return explicit }
    var starts: [String] = []
    let argument0 = CommandLine.arguments.first ?? ""
    starts.append(argument0.hasPrefix("/") ? argument0 : FileManager.default.currentDirectoryPath + "/" + argument0)
    starts.append(Bundle.main.bundlePath)
    starts.append(Bundle.main.executablePath ?? "")
    for start in starts where !start.isEmpty {
        var directory = URL(fileURLWithPath: start).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("repo").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               access(candidate, X_OK) == 0 {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
    }
    return "/nonexistent/repo-binary-not-found-next-to-the-test-bundle"
}()

/// Runs any program (for `cp`, `rm`, `setpriv` …) and waits for it.
@discardableResult
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String] = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                stdin: StandardInput = .null, scratch: String = NSTemporaryDirectory(), timeout: Double = 120) throws -> RunResult {
    let child = try ChildProcess(executable: executable, arguments: arguments, environment: environment, stdin: stdin, scratch: scratch)
    return child.wait(timeout: timeout)
}

/// One test's private world: a temporary directory holding the repository, the cache, a
/// home directory and whatever trees the test makes; a password; and the environment
/// every `repo` run gets. Remove it with `defer { workspace.remove() }`.
final class Workspace: @unchecked Sendable {
    let root: String
    var password: String
    /// Extra environment for every run (REPO_REPOSITORY, REPO_PASSWORD are set from the
    /// properties below unless overridden per call).
    var extraEnvironment: [String: String] = [:]
    /// A program (with its arguments) that runs `repo`, e.g. `setpriv --reuid=65534 …`.
    var wrapper: [String] = []

    var repository: String { root + "/repository" }
    var cache: String { root + "/cache" }
    var home: String { root + "/home" }

    init(_ label: String, password: String? = nil) throws {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/repo-e2e-\(label)-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw HarnessError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        root = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        self.password = password ?? "e2e-pw-\(label)-\(UInt32.random(in: 100_000...999_999))"
        try FileManager.default.createDirectory(atPath: root + "/home", withIntermediateDirectories: true)
    }

    /// A path inside the workspace.
    func path(_ relative: String) -> String { root + "/" + relative }

    /// The environment of a run: nothing from the test process but a sane PATH.
    func environment(_ overrides: [String: String?] = [:]) -> [String: String] {
        var environment = [
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": home,
            "XDG_CACHE_HOME": cache,
            "LANG": "C.UTF-8",
            "REPO_REPOSITORY": repository,
            "REPO_PASSWORD": password,
        ]
        for (key, value) in extraEnvironment { environment[key] = value }
        for (key, value) in overrides { environment[key] = value }
        return environment
    }

    /// Runs `repo` with `arguments` (the cache directory is the workspace's, via
    /// XDG_CACHE_HOME) and waits for it.
    @discardableResult
    func repo(_ arguments: [String], environment overrides: [String: String?] = [:], stdin: StandardInput = .null,
              timeout: Double = 120) throws -> RunResult {
        try start(arguments, environment: overrides, stdin: stdin).wait(timeout: timeout)
    }

    @discardableResult
    func repo(_ arguments: String..., environment overrides: [String: String?] = [:], stdin: StandardInput = .null,
              timeout: Double = 120) throws -> RunResult {
        try repo(arguments, environment: overrides, stdin: stdin, timeout: timeout)
    }

    /// Starts `repo` without waiting (to kill it, for instance).
    func start(_ arguments: [String], environment overrides: [String: String?] = [:], stdin: StandardInput = .null) throws -> ChildProcess {
        let command = wrapper + [repoBinary] + arguments
        return try ChildProcess(executable: command[0], arguments: Array(command.dropFirst()), environment: environment(overrides),
                                stdin: stdin, scratch: root)
    }

    /// Creates the repository (`repo init`), failing loudly if that fails.
    func initRepository() throws {
        let result = try repo("init")
        guard result.status == 0 else { throw HarnessError("repo init failed: \(result)") }
    }

    /// Removes the whole workspace (with `rm -rf`: names need not be UTF-8, modes may be 000).
    func remove() {
        _ = try? runProgram("/bin/rm", ["-rf", "--one-file-system", root], scratch: "/tmp")
    }
}

/// The snapshots in the repository, oldest first (`repo snapshots --json`).
func snapshotList(_ workspace: Workspace) throws -> [[String: Any]] {
    let result = try workspace.repo("snapshots", "--json")
    guard result.status == 0 else { throw HarnessError("repo snapshots failed: \(result)") }
    return result.array
}

/// An integer from a JSON object (numbers arrive as NSNumber, Int or Double).
func int(_ object: [String: Any], _ key: String) -> Int? {
    if let value = object[key] as? Int { return value }
    if let value = object[key] as? NSNumber { return value.intValue }
    if let value = object[key] as? Double { return Int(value) }
    return nil
}

func double(_ object: [String: Any], _ key: String) -> Double? {
    if let value = object[key] as? Double { return value }
    if let value = object[key] as? NSNumber { return value.doubleValue }
    if let value = object[key] as? Int { return Double(value) }
    return nil
}

/// The restored location of `source` under `target`: a snapshot keeps absolute paths, so
/// `/tmp/x/src` restored into `/out` is `/out/tmp/x/src`.
func restoredPath(of source: String, in target: String) -> String {
    target + (source.hasPrefix("/") ? source : "/" + source)
}

/// Seconds since `start`, for timing.
func elapsed(since start: Date) -> Double { Date().timeIntervalSince(start) }
