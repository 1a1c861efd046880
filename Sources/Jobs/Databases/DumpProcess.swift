import Repo

/// A dump tool running with its standard output on a pipe: the `DumpStream` of postgres,
/// mysql and command sources.
enum DumpProcess {
    /// Starts `command`; the stream's `finish()` fails with `dumpFailed` naming `source`
    /// unless the tool exited with status 0.
    static func start(_ command: [String], environment: [String: String], source: String) throws -> DumpStream {
        let child: ChildProcess
        do {
            child = try ChildProcess(command, environment: environment, standardOutput: .pipe)
        } catch {
            throw DatabaseError.dumpFailed(source: source, detail: ClientTool.describe(error))
        }
        guard let output = child.output else {
            _ = child.wait()
            throw DatabaseError.dumpFailed(source: source, detail: "\(command[0]) has no output pipe")
        }
        return DumpStream(fileDescriptor: output.fileDescriptor) {
            // Closed first: a caller that gave up reading must not leave the tool blocked on
            // a full pipe (it then dies of the broken pipe, and the dump is reported failed).
            child.closeOutput()
            let exit = child.wait()
            guard exit.succeeded else {
                throw DatabaseError.dumpFailed(source: source, detail: ClientTool.failed(command, exit))
            }
        }
    }
}
