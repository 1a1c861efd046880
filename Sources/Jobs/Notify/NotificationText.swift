import Foundation
import Repo

/// The plain-text form of a notification that Slack, email and healthchecks share: a
/// headline, a line of totals, one line per step, then each failure's last lines.
///
///     repo run nightly on db1: FAILED
///     took 12.4 s, added 3.2 MiB
///     files: ok, 11.9 s, +3.2 MiB, snapshot 1f2e3d4c: 1204 files, 2.1 GiB
///     database shop: failed, 0.5 s, pg_dump exited with status 1
///
///     database shop failed:
///         pg_dump: error: connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed
enum NotificationText {
    static func headline(_ notification: JobNotification) -> String {
        "repo \(notification.operation) \(notification.job) on \(notification.host): \(result(notification.event))"
    }

    static func result(_ event: NotificationEvent) -> String {
        switch event {
        case .start: "started"
        case .success: "OK"
        case .warning: "WARNING"
        case .failure: "FAILED"
        }
    }

    /// Everything after the headline.
    static func details(_ notification: JobNotification) -> [String] {
        guard notification.event != .start else { return ["started at \(utc(notification.started))"] }
        var lines = [totals(notification)] + notification.steps.map(stepLine)
        if let error = notification.error {
            lines += ["", "error:"] + error.split(whereSeparator: \.isNewline).map { "    \($0)" }
        }
        for failure in notification.failures {
            lines += ["", "\(failure.step) failed:"] + failure.lines.map { "    \($0)" }
        }
        return lines
    }

    /// Headline and details, one string.
    static func full(_ notification: JobNotification) -> String {
        ([headline(notification)] + details(notification)).joined(separator: "\n")
    }

    private static func totals(_ notification: JobNotification) -> String {
        let added = notification.operation == "run" ? ", added \(ByteCount.text(notification.bytesAdded))" : ""
        return "started at \(utc(notification.started)), took \(String(format: "%.1f", notification.seconds)) s\(added)"
    }

    static func stepLine(_ step: StepResult) -> String {
        var parts = [step.outcome.rawValue, String(format: "%.1f s", step.seconds)]
        if step.bytesAdded > 0 { parts.append("+" + ByteCount.text(step.bytesAdded)) }
        let firstLine = step.detail.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        if !firstLine.isEmpty { parts.append(String(firstLine.prefix(JobNotification.lineLimit))) }
        return "\(step.name): " + parts.joined(separator: ", ")
    }

    /// "2026-12-07 03:00:00 UTC": a log's kind of time.
    static func utc(_ date: Date) -> String { UTCTime.format(date, "yyyy-MM-dd HH:mm:ss 'UTC'") }
}
