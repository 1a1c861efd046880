import Foundation

/// A `healthchecks` notifier's ping (the healthchecks.io protocol, which other monitors
/// copy): URL/start as the run starts, the bare URL when it succeeded, URL/fail when it
/// failed, each a POST whose body is the log the check's page shows.
enum HealthchecksPing {
    /// Healthchecks.io keeps the first 100 kB of a ping's body; the end of a log matters most.
    static let bodyLimit = 10_000

    /// The path suffix for `event`. A warning is a success to a monitor: it should page
    /// someone only when the backup did not happen.
    static func suffix(_ event: NotificationEvent) -> String {
        switch event {
        case .start: "/start"
        case .success, .warning: ""
        case .failure: "/fail"
        }
    }

    static func body(_ notification: JobNotification) -> Data {
        var text = NotificationText.full(notification) + "\n"
        if text.utf8.count > bodyLimit {
            text = "…\n" + String(decoding: text.utf8.suffix(bodyLimit), as: UTF8.self)
        }
        return Data(text.utf8)
    }
}
