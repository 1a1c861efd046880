import Foundation

/// Cron schedules: the one line per job (in `/etc/cron.d/repo-JOB`, with a user field, or in
/// a user's crontab, without), and finding those lines again by their marker comment. The
/// marker ends the line, where the shell that cron starts takes it for a comment.
public struct CronTable: Sendable, Equatable {
    public let command: ScheduledCommand
    public let schedule: CronSchedule
    /// `root` in `/etc/cron.d`; nil in a user's own crontab.
    public let user: String?
    /// Where the run's output is appended: cron would otherwise mail it, or lose it.
    public let log: String

    public static let path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// Runs that come round while the last one still runs queue on the job's lock this long.
    public static let lockWait = "6h"

    public init(command: ScheduledCommand, schedule: CronSchedule, user: String?, log: String) {
        self.command = command
        self.schedule = schedule
        self.user = user
        self.log = log
    }

    public var line: String {
        let words = command.arguments(extra: ["--lock-wait", Self.lockWait]).map(Self.shellQuoted)
        return ([schedule.description] + (user.map { [$0] } ?? []) + words
                + [">>", Self.shellQuoted(log), "2>&1", ScheduleName.marker(job: command.job, drill: command.drill)])
            .joined(separator: " ")
    }

    /// The whole of `/etc/cron.d/repo-JOB`.
    public var cronDFile: String {
        """
        \(ScheduleName.header(job: command.job, drill: command.drill, cron: true))
        SHELL=/bin/sh
        PATH=\(Self.path)
        \(line)

        """
    }

    public var cronDName: String { ScheduleName.cronFile(job: command.job, drill: command.drill) }

    /// `crontab` with this job's line replacing any earlier one, or added at the end.
    public func merged(into crontab: String) -> String {
        let kept = Self.removing(job: command.job, drill: command.drill, from: crontab) ?? crontab
        let base = kept.isEmpty || kept.hasSuffix("\n") ? kept : kept + "\n"
        return base + line + "\n"
    }

    /// `crontab` without the job's line; nil when it has none.
    public static func removing(job: String, drill: Bool, from crontab: String) -> String? {
        let lines = crontab.split(separator: "\n", omittingEmptySubsequences: false)
        let kept = lines.filter { line in
            guard let found = Found(line, userField: false) else { return true }
            return found.job != job || found.drill != drill
        }
        return kept.count == lines.count ? nil : kept.joined(separator: "\n")
    }

    /// A marked line read back.
    public struct Found: Sendable, Equatable {
        public let job: String
        public let drill: Bool
        public let schedule: CronSchedule
        public let user: String?

        /// Reads a line of a crontab (`userField: false`) or a cron.d file; nil for any
        /// line `repo schedule` did not write.
        public init?(_ line: Substring, userField: Bool) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let marker = ScheduleName.parseMarker(in: line) else { return nil }
            let words = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count > 6, let schedule = CronSchedule(words.prefix(5).joined(separator: " ")) else { return nil }
            job = marker.job
            drill = marker.drill
            self.schedule = schedule
            user = userField ? String(words[5]) : nil
        }

        /// Every marked line of a crontab or cron.d file.
        public static func all(in text: String, userField: Bool) -> [Found] {
            text.split(separator: "\n").compactMap { Found($0, userField: userField) }
        }
    }

    /// POSIX shell quoting, plus cron's own rule: an unescaped `%` ends the command.
    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@+".contains($0) }
        let quoted = plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return quoted.replacingOccurrences(of: "%", with: "\\%")
    }
}
