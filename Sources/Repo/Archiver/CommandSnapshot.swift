import Foundation

extension Archiver {
    /// Backs up what `command` writes to standard output as one file, `name`
    /// (`--stdin-from-command`). The command runs without a shell and without repo's
    /// secrets in its environment; the snapshot is saved only when it exits 0, and a
    /// failure names its exit status and the last lines of its standard error.
    /// `environment` is what the command starts from; the secrets are always taken out.
    /// `ended` sees the command's exit (status and the tail of its standard error) once it
    /// succeeded, before the snapshot is saved.
    public func snapshot(command: [String], name: String,
                         environment: [String: String] = ProcessInfo.processInfo.environment,
                         ended: (ChildProcess.Exit) throws -> Void = { _ in }) throws -> StoredSnapshot {
        let child: ChildProcess
        do {
            child = try ChildProcess(command, environment: ChildEnvironment.forChildren(of: environment), standardInput: .inherit)
        } catch ChildProcessError.notStarted(let program, let reason) {
            throw SnapshotError.commandNotStarted(command: program, reason: reason)
        }
        guard let output = child.output else {
            _ = child.wait()
            throw SnapshotError.commandNotStarted(command: command[0], reason: "no pipe for its output")
        }
        do {
            return try snapshot(stream: output.fileDescriptor, name: name) {
                let exit = child.wait()
                guard exit.succeeded else {
                    throw SnapshotError.commandFailed(command: command[0], status: exit.status, stderrTail: exit.stderrTail)
                }
                try ended(exit)
            }
        } catch {
            // A command still writing gets EPIPE and ends, instead of blocking the wait.
            try? output.close()
            _ = child.wait()
            throw error
        }
    }
}
