import Foundation

/// What a `slack` notifier POSTs to an incoming webhook: `{"text": ...}`, the plain-text
/// form with Slack's three control characters escaped (a path like `<stdin>` would
/// otherwise read as a link).
enum SlackMessage {
    static func text(_ notification: JobNotification) -> String {
        NotificationText.full(notification)
            .replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func body(_ notification: JobNotification) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(["text": text(notification)])) ?? Data("{}".utf8)
    }
}
