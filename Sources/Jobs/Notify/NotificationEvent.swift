/// When a notifier is told: as a run or drill starts, and how it ended.
public enum NotificationEvent: String, CaseIterable, Sendable {
    case start, success, warning, failure

    /// What most notifiers want: to hear only when someone has to look.
    public static let problems: Set<NotificationEvent> = [.failure, .warning]

    /// For an `on = [...]` list: why it is wrong (an unknown or repeated name, or none at
    /// all), nil when every name is an event.
    public static func problem(in names: [String]) -> String? {
        guard !names.isEmpty else { return "names no event (\(allCases.map(\.rawValue).joined(separator: ", ")))" }
        var seen: Set<String> = []
        for name in names {
            guard NotificationEvent(rawValue: name) != nil else {
                return "unknown event \(name.debugDescription) (\(allCases.map(\.rawValue).joined(separator: ", ")))"
            }
            guard seen.insert(name).inserted else { return "names \(name.debugDescription) twice" }
        }
        return nil
    }
}
