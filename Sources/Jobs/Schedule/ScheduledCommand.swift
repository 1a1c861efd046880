import Foundation

/// What a schedule runs: `repo run JOB` or, for a drill schedule, `repo drill JOB`, with
/// the binary and job file as absolute paths (timers and cron start in `/` with a bare PATH).
public struct ScheduledCommand: Sendable, Equatable {
    public let job: String
    public let drill: Bool
    public let executable: String
    public let config: String

    public init(job: String, drill: Bool, executable: String, config: String) throws {
        try Self.validate(job: job)
        self.job = job
        self.drill = drill
        self.executable = executable
        self.config = config
    }

    /// The units' and cron file's name: `repo-JOB` or `repo-drill-JOB`.
    public var name: String { ScheduleName.of(job: job, drill: drill) }

    public var verb: String { drill ? "drill" : "run" }

    /// Job names become file and unit names: letters, digits, `-`, `_` and `.` only.
    public static func validate(job: String) throws {
        guard !job.isEmpty, job.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }), job != ".", job != ".." else {
            throw ScheduleError.badJobName(job)
        }
    }

    /// The binary running now, wherever it was started from, so that the schedule runs
    /// this very `repo`.
    public static func runningExecutable() -> String {
        let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return absolute(resolved.hasSuffix(" (deleted)") ? String(resolved.dropLast(" (deleted)".count)) : resolved)
    }

    /// `path` from the current directory, as the schedule (started in `/`) needs it.
    public static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (full as NSString).standardizingPath
    }

    /// The argument vector, before any quoting.
    public func arguments(extra: [String] = []) -> [String] {
        [executable, verb, job, "--config", config] + extra
    }
}

/// The names schedules go by, and the marker comment that finds them again.
public enum ScheduleName {
    public static func of(job: String, drill: Bool) -> String { drill ? "repo-drill-\(job)" : "repo-\(job)" }

    /// The file's name in `/etc/cron.d`: cron skips names with a dot in them.
    public static func cronFile(job: String, drill: Bool) -> String { of(job: job, drill: drill).replacingOccurrences(of: ".", with: "_") }

    /// The comment heading every file a schedule writes: what wrote it and what removes it.
    static func header(job: String, drill: Bool, cron: Bool) -> String {
        "# Written by `repo schedule install`; `repo schedule remove \(job)\(drill ? " --drill" : "")\(cron ? " --cron" : "")` deletes it."
    }

    /// `# repo schedule JOB` (`… JOB drill`): ends each unit, cron file and crontab line.
    public static func marker(job: String, drill: Bool) -> String { "# repo schedule \(job)" + (drill ? " drill" : "") }

    /// The job and kind a marker names, from the text after `# repo schedule `.
    public static func parseMarker(in line: Substring) -> (job: String, drill: Bool)? {
        guard let range = line.range(of: "# repo schedule ") else { return nil }
        let words = line[range.upperBound...].split(separator: " ")
        guard let job = words.first, words.count <= 2, words.count == 1 || words[1] == "drill" else { return nil }
        return (String(job), words.count == 2)
    }
}
