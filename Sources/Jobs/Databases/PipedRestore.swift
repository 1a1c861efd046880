import Foundation
import Repo

/// A restore client (psql, mysql, a restore command) with the dump on its standard input.
enum PipedRestore {
    /// Runs `command`, hands its input pipe to `writeDump`, and fails with `restoreFailed`
    /// naming `target` unless the client exited with status 0.
    static func run(_ command: [String], environment: [String: String], target: String,
                    writeDump: (Int32) throws -> Void) throws {
        ignoreBrokenPipes
        let child: ChildProcess
        do {
            // Output to /dev/null: nothing reads it, and a full pipe would stall the client.
            child = try ChildProcess(command, environment: environment, standardInput: .pipe, standardOutput: .null)
        } catch {
            throw DatabaseError.restoreFailed(target: target, detail: ClientTool.describe(error))
        }
        var writeError: Error?
        do {
            guard let input = child.input else { throw DatabaseError.restoreFailed(target: target, detail: "no input pipe") }
            try writeDump(input.fileDescriptor)
        } catch {
            writeError = error
            // Stopped before its input ends: EOF would read as the end of the dump and commit
            // half of it.
            child.terminate()
        }
        let exit = child.wait()
        // The client's own failure explains a broken pipe better than the write error does.
        if !exit.succeeded, writeError == nil || exit.status < 128 {
            throw DatabaseError.restoreFailed(target: target, detail: ClientTool.failed(command, exit))
        }
        if let writeError { throw writeError }
    }

    /// A client that dies while the dump is still being written must cost an EPIPE error,
    /// not this process (SIGPIPE's default action).
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN); return () }()
}
