import Foundation
import Repo

/// The JSON document a `webhook` notifier POSTs (docs/guide.md, "What each type sends", has the schema).
/// Field names are snake_case and stable (the property names are the keys); `version`
/// changes only when one changes meaning or goes away (new fields may appear without it).
/// Every field is always present: `error` is null unless the run failed before any step.
struct WebhookPayload: Encodable {
    static let currentVersion = 1

    struct Failure: Encodable {
        let step: String
        /// The last lines of the step's error.
        let error: [String]
    }

    let version = currentVersion
    let event: String
    let operation: String
    let job: String
    let host: String
    let started: String
    let seconds: Double
    let bytes_added: UInt64
    let summary: String
    /// Each step as a run records it (`JobRecord.Step`: `name`, `outcome`, `seconds`,
    /// `bytes_added`, `detail`), its seconds to the millisecond.
    let steps: [JobRecord.Step]
    let failures: [Failure]
    /// Why the run failed before any step; null otherwise.
    @Nullable var error: String?

    init(_ notification: JobNotification) {
        event = notification.event.rawValue
        operation = notification.operation
        job = notification.job
        host = notification.host
        started = ISO8601DateFormatter().string(from: notification.started)
        seconds = Self.milliseconds(notification.seconds)
        bytes_added = notification.bytesAdded
        summary = NotificationText.headline(notification)
        steps = notification.steps.map {
            var step = $0.record
            step.seconds = Self.milliseconds(step.seconds)
            return step
        }
        failures = notification.failures.map { Failure(step: $0.step, error: $0.lines) }
        error = notification.error
    }

    /// The body: keys sorted, so the same notification is the same bytes.
    static func body(_ notification: JobNotification) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, finite numbers and arrays always encode.
        return (try? encoder.encode(WebhookPayload(notification))) ?? Data("{}".utf8)
    }

    /// Seconds to the millisecond: timings, not binary noise like 12.400000000000000355.
    private static func milliseconds(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
