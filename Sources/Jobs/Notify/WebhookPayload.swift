import Foundation

/// The JSON document a `webhook` notifier POSTs (docs/notifications.md has the schema).
/// Field names are snake_case and stable; `version` changes only when one changes meaning
/// or goes away (new fields may appear without it).
struct WebhookPayload: Encodable {
    struct Step: Encodable {
        let name: String
        let outcome: String
        let seconds: Double
        let bytesAdded: UInt64
        let detail: String

        enum CodingKeys: String, CodingKey {
            case name, outcome, seconds, bytesAdded = "bytes_added", detail
        }
    }

    struct Failure: Encodable {
        let step: String
        /// The last lines of the step's error.
        let error: [String]
    }

    let version = 1
    let event: String
    let operation: String
    let job: String
    let host: String
    /// ISO 8601, UTC.
    let started: String
    let seconds: Double
    let bytesAdded: UInt64
    let summary: String
    let steps: [Step]
    let failures: [Failure]
    /// Why it failed before any step ran; null otherwise.
    let error: String?

    enum CodingKeys: String, CodingKey {
        case version, event, operation, job, host, started, seconds, bytesAdded = "bytes_added", summary, steps, failures, error
    }

    init(_ notification: JobNotification) {
        event = notification.event.rawValue
        operation = notification.operation
        job = notification.job
        host = notification.host
        started = ISO8601DateFormatter().string(from: notification.started)
        seconds = (notification.seconds * 1000).rounded() / 1000
        bytesAdded = notification.bytesAdded
        summary = NotificationText.headline(notification)
        steps = notification.steps.map {
            Step(name: $0.name, outcome: $0.outcome.rawValue, seconds: ($0.seconds * 1000).rounded() / 1000, bytesAdded: $0.bytesAdded,
                 detail: $0.detail)
        }
        failures = notification.failures.map { Failure(step: $0.step, error: $0.lines) }
        error = notification.error
    }

    // Written by hand so that `error` is null rather than absent: a receiver's schema can
    // then require every field.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(event, forKey: .event)
        try container.encode(operation, forKey: .operation)
        try container.encode(job, forKey: .job)
        try container.encode(host, forKey: .host)
        try container.encode(started, forKey: .started)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(bytesAdded, forKey: .bytesAdded)
        try container.encode(summary, forKey: .summary)
        try container.encode(steps, forKey: .steps)
        try container.encode(failures, forKey: .failures)
        try container.encode(error, forKey: .error)
    }

    /// The body: keys sorted, so the same notification is the same bytes.
    static func body(_ notification: JobNotification) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers and arrays of them cannot fail to encode.
        return (try? encoder.encode(WebhookPayload(notification))) ?? Data("{}".utf8)
    }
}
