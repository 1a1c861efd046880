import Foundation
import Posix
import Synchronization
import Workers

/// A command `repo` starts: argv (no shell), the scrubbed environment of `ChildEnvironment`,
/// standard input and output as the caller needs them, and the tail of standard error kept
/// for the one line that names a failure.
public final class ChildProcess: @unchecked Sendable {
    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        /// /dev/null.
        case null
        /// An open descriptor of the caller's, left open (the child gets a duplicate).
        case descriptor(Int32)
        /// A new pipe; the caller's end is `input` or `output`, owned by this object.
        case pipe
        /// This process's own stream (a terminal, for an interactive tool).
        case inherit
    }

    /// How a child ended.
    public struct Exit: Sendable, CustomStringConvertible {
        /// The exit status, or 128 + the signal for a child killed by one.
        public let status: Int32
        /// The last lines the child wrote to standard error (at most about 2 KiB).
        public let stderrTail: String
        public var succeeded: Bool { status == 0 }

        public var description: String {
            let reason = status > 128 ? "was killed by signal \(status - 128)" : "exited with status \(status)"
            let tail = stderrTail.split(separator: "\n").suffix(3).joined(separator: " | ")
            return tail.isEmpty ? reason : "\(reason): \(tail)"
        }
    }

    public let command: [String]
    private let process = Process()
    private let errorPipe = Pipe()
    private let errorTail = ErrorTail()
    private var errorReader: WorkerPool.Running?
    /// The caller's end of a `.pipe` standard input: write to it, then `closeInput()`.
    public private(set) var input: FileHandle?
    /// The caller's end of a `.pipe` standard output: read it to EOF.
    public private(set) var output: FileHandle?

    /// Starts `command[0]` (looked up on PATH) with `command[1...]`; throws
    /// `ChildProcessError.notStarted` naming the program when it cannot be run.
    public init(_ command: [String], environment: [String: String] = ChildEnvironment.forChildren(),
                standardInput: Stream = .null, standardOutput: Stream = .pipe, workingDirectory: String? = nil) throws {
        guard let program = command.first, !program.isEmpty else { throw ChildProcessError.notStarted(command: "", reason: "empty command") }
        self.command = command
        guard let executable = Self.find(program, path: environment["PATH"]) else {
            throw ChildProcessError.notStarted(command: program, reason: "not found on PATH")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        process.standardInput = try Self.attach(standardInput, reading: true) { self.input = $0.fileHandleForWriting }
        process.standardOutput = try Self.attach(standardOutput, reading: false) { self.output = $0.fileHandleForReading }
        process.standardError = errorPipe
        do {
            try process.run()
        } catch {
            throw ChildProcessError.notStarted(command: program, reason: "\(error.localizedDescription)")
        }
        errorReader = ErrorTail.collect(errorPipe.fileHandleForReading, into: errorTail)
    }

    /// Closes the caller's end of a piped standard input, so the child sees EOF.
    public func closeInput() {
        try? input?.close()
        input = nil
    }

    /// Closes the caller's end of a piped standard output: a child still writing then fails
    /// (EPIPE or SIGPIPE) instead of blocking on a pipe nobody reads.
    public func closeOutput() {
        try? output?.close()
        output = nil
    }

    /// Asks the child to stop (SIGTERM): for a restore client whose input broke off, so that
    /// it does not take the early end of its input for the end of the dump and commit.
    public func terminate() {
        if process.isRunning { process.terminate() }
    }

    /// Waits for the child to end (closing its piped input first).
    public func wait() -> Exit {
        closeInput()
        process.waitUntilExit()
        errorReader?.join()
        try? output?.close()
        output = nil
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Exit(status: status, stderrTail: errorTail.text)
    }

    /// Runs `command` to its end with standard output captured; for short queries.
    public static func run(_ command: [String], environment: [String: String] = ChildEnvironment.forChildren(),
                           input: [UInt8]? = nil) throws -> (output: [UInt8], exit: Exit) {
        let child = try ChildProcess(command, environment: environment, standardInput: input == nil ? .null : .pipe)
        let collected = ErrorTail(limit: Int.max)
        let reading = ErrorTail.collect(child.output!, into: collected)
        if let input, let writer = child.input {
            try? writer.write(contentsOf: Data(input))
        }
        child.closeInput()
        reading.join()
        let exit = child.wait()
        return (collected.bytes, exit)
    }

    private static func attach(_ stream: Stream, reading: Bool, pipe remember: (Pipe) -> Void) throws -> Any? {
        switch stream {
        case .null: return FileHandle.nullDevice
        case .inherit: return reading ? FileHandle.standardInput : FileHandle.standardOutput
        case .descriptor(let fd): return FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        case .pipe:
            let pipe = Pipe()
            remember(pipe)
            return pipe
        }
    }

    /// The executable `program` names: itself when it holds a slash, else the first match on PATH.
    public static func find(_ program: String, path: String?) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if let info = try? FileDescriptor.workingDirectory.status(of: candidate), (info.st_mode & S_IFMT) == S_IFREG,
               access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

/// The last bytes a child wrote to a stream, bounded.
private final class ErrorTail: Sendable {
    private let buffer = Mutex<[UInt8]>([])
    private let limit: Int

    init(limit: Int = 2048) { self.limit = limit }

    /// Reads `handle` to its end into `tail` on a thread of its own.
    static func collect(_ handle: FileHandle, into tail: ErrorTail) -> WorkerPool.Running {
        // Never cancelled: a child's output is read to its end whatever happens.
        WorkerPool(threads: 1, cancellation: Cancellation()).start(1) { _ in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                tail.append(data)
            }
        }
    }

    func append(_ data: Data) {
        let limit = self.limit
        buffer.withLock { buffer in
            buffer.append(contentsOf: data)
            // Trimmed once it holds twice the limit (written so that Int.max cannot overflow).
            if buffer.count - limit > limit { buffer.removeFirst(buffer.count - limit) }
        }
    }

    var bytes: [UInt8] { buffer.withLock { $0.count > limit ? Array($0.suffix(limit)) : $0 } }
    var text: String { String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
}

public enum ChildProcessError: Error, CustomStringConvertible, Sendable {
    case notStarted(command: String, reason: String)

    public var description: String {
        switch self {
        case .notStarted(let command, let reason): return "cannot run \(command): \(reason)"
        }
    }
}
