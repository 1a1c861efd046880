import Foundation
import Repo

/// The user's own crontab: a file under `--root`, else what `crontab -l` prints (and
/// `crontab -` replaces), since cron owns the spool directory.
struct UserCrontab {
    let host: ScheduleHost

    func read() throws -> String {
        if let file = host.crontabFile {
            return TextFile.read(file) ?? ""
        }
        let result: (output: [UInt8], exit: ChildProcess.Exit)
        do {
            result = try ChildProcess.run(["crontab", "-l"])
        } catch {
            throw ScheduleError.commandFailed(command: "crontab -l", detail: "cannot start it: install cron, or use systemd timers")
        }
        // `crontab -l` fails with "no crontab for USER" when there is none yet.
        if !result.exit.succeeded && result.exit.stderrTail.contains("no crontab") { return "" }
        guard result.exit.succeeded else { throw ScheduleError.commandFailed(command: "crontab -l", detail: "\(result.exit)") }
        return String(decoding: result.output, as: UTF8.self)
    }

    /// The action that puts `contents` in place.
    func replace(with contents: String) -> ScheduleAction {
        if let file = host.crontabFile { return .write(path: file, contents: contents, mode: 0o600) }
        return .replaceCrontab(contents: contents)
    }

    var place: String { host.crontabFile ?? "the crontab of \(host.userName)" }
}
