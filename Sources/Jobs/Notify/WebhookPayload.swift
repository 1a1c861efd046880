import Foundation

/// The JSON document a `webhook` notifier POSTs (docs/notifications.md has the schema).
/// Field names are snake_case and stable; `version` changes only when one changes meaning
/// or goes away (new fields may appear without it). Every field is always present: `error`
/// is null unless the run failed before any step.
enum WebhookPayload {
    static let version = 1

    static func object(_ notification: JobNotification) -> [String: Any] {
        [
            "version": version,
            "event": notification.event.rawValue,
            "operation": notification.operation,
            "job": notification.job,
            "host": notification.host,
            "started": ISO8601DateFormatter().string(from: notification.started),
            "seconds": milliseconds(notification.seconds),
            "bytes_added": notification.bytesAdded,
            "summary": NotificationText.headline(notification),
            "steps": notification.steps.map { step -> [String: Any] in
                ["name": step.name, "outcome": step.outcome.rawValue, "seconds": milliseconds(step.seconds),
                 "bytes_added": step.bytesAdded, "detail": step.detail]
            },
            "failures": notification.failures.map { ["step": $0.step, "error": $0.lines] as [String: Any] },
            "error": notification.error ?? NSNull(),
        ]
    }

    /// The body: keys sorted, so the same notification is the same bytes.
    static func body(_ notification: JobNotification) -> Data {
        // Strings, numbers, arrays and null always serialize.
        (try? JSONSerialization.data(withJSONObject: object(notification), options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
    }

    /// Seconds to the millisecond: timings, not binary noise like 12.400000000000000355.
    private static func milliseconds(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
