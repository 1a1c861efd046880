import Foundation
import Repo

/// `systemd-analyze calendar`: systemd's own judgement of an OnCalendar expression, its
/// normalized form and its next elapse. Absent on machines without systemd, where raw
/// expressions go unchecked and next runs of timers are unknown.
public struct SystemdCalendar: Sendable {
    public let tool: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        tool = ChildProcess.find("systemd-analyze", path: environment["PATH"] ?? "/usr/bin:/bin")
    }

    public struct Analysis: Sendable, Equatable {
        public var normalized: String
        /// As systemd prints it, e.g. `Tue 2026-12-08 03:00:00 UTC`; nil when it never elapses.
        public var nextElapse: String?
    }

    /// systemd's reading of `expression`; nil without the tool; a bad expression throws
    /// `badSpec` with systemd's reason.
    public func analyze(_ expression: String) throws -> Analysis? {
        guard let tool else { return nil }
        let result = try ChildProcess.run([tool, "calendar", "--iterations=1", expression])
        let text = String(decoding: result.output, as: UTF8.self)
        guard result.exit.succeeded else {
            let reason = result.exit.stderrTail.split(separator: "\n").last.map(String.init) ?? "systemd-analyze rejected it"
            throw ScheduleError.badSpec(expression, reason: reason.replacingOccurrences(of: "\u{1B}", with: ""))
        }
        func field(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name + ":") }
                .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) }
        }
        return Analysis(normalized: field("Normalized form") ?? expression, nextElapse: field("Next elapse"))
    }
}
