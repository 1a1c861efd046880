import Foundation
import Posix
import Repo

/// Carries out a schedule plan: files replaced atomically (a temporary file renamed over
/// the old, so cron and systemd never read half a file), commands run in order.
public enum ScheduleWriter {
    /// Applies `plan`, calling `done` after each action.
    public static func apply(_ plan: SchedulePlan, done: (ScheduleAction) -> Void) throws {
        for action in plan.actions {
            switch action {
            case .write(let path, let contents, let mode): try write(contents, to: path, mode: mode)
            case .remove(let path):
                do throws(Errno) {
                    try FileDescriptor.workingDirectory.removeFile(path)
                } catch where error == .noSuchFile {
                } catch {
                    throw ScheduleError.cannotRemove(path: path, reason: error.description)
                }
            case .makeDirectory(let path): try makeDirectory(path)
            case .run(let command, let skipped):
                if skipped == nil { try run(command) }
            case .replaceCrontab(let contents): try run(["crontab", "-"], input: contents)
            }
            done(action)
        }
    }

    static func write(_ contents: String, to path: String, mode: Int) throws {
        try makeDirectory((path as NSString).deletingLastPathComponent)
        do {
            try AtomicFile.write(Array(contents.utf8), to: path, mode: mode_t(mode))
        } catch {
            throw ScheduleError.cannotWrite(path: path, reason: error.reason)
        }
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw ScheduleError.cannotWrite(path: path, reason: "cannot create the directory (run as root, or choose --user)")
        }
    }

    private static func run(_ command: [String], input: String? = nil) throws {
        let text = command.joined(separator: " ")
        let result: (output: [UInt8], exit: ChildProcess.Exit)
        do {
            result = try ChildProcess.run(command, input: input.map { Array($0.utf8) })
        } catch {
            throw ScheduleError.commandFailed(command: text, detail: "cannot start it (\(error))")
        }
        guard result.exit.succeeded else {
            let last = result.exit.stderrTail.split(separator: "\n").last.map(String.init) ?? "exit status \(result.exit.status)"
            throw ScheduleError.commandFailed(command: text, detail: last)
        }
    }
}
