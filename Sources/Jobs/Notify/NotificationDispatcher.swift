import Foundation

/// Tells every notifier subscribed to a notification's event, all at once, each within a
/// bounded time: a failed attempt that may go better (a timeout, a lost connection, HTTP
/// 5xx, SMTP 4xx) is retried after `retryDelays`; what still failed comes back as one
/// warning line per notifier. It never throws: a notification is news about a run, and
/// must not change how the run ended (nor its exit code).
///
/// Warnings name the notifier and at most a host: never a URL's path or query (webhook
/// tokens live there) nor a password.
public struct NotificationDispatcher: Sendable {
    public let notifiers: [NotifierConfig]
    /// A PEM file of CAs to trust besides the system's (a private CA): `caFile`, else the
    /// environment's REPO_S3_CA_FILE. OpenSSL's own SSL_CERT_FILE and SSL_CERT_DIR work too.
    public let trustedCertificates: String?
    /// Seconds to wait before the second, third... attempt; attempts = count + 1.
    public let retryDelays: [Double]

    public static let defaultRetryDelays: [Double] = [1, 2]

    public init(notifiers: [NotifierConfig], caFile: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                retryDelays: [Double] = NotificationDispatcher.defaultRetryDelays) {
        self.notifiers = notifiers
        trustedCertificates = caFile ?? environment["REPO_S3_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        self.retryDelays = retryDelays
    }

    /// Sends `notification` to the notifiers whose `on` names its event; returns a warning
    /// line for each that could not be told (in the notifiers' order), none when all were.
    /// Takes at most about attempts × (timeout per step) + the delays.
    public func send(_ notification: JobNotification) -> [String] {
        let chosen = notifiers.filter { $0.events.contains(notification.event) }
        guard chosen.count > 1 else { return chosen.compactMap { deliver(notification, to: $0) } }
        // One thread each: a notifier that stalls must not hold up the others.
        let results = WarningSlots(count: chosen.count)
        let group = DispatchGroup()
        for (index, config) in chosen.enumerated() {
            group.enter()
            Thread {
                results.set(index, deliver(notification, to: config))
                group.leave()
            }.start()
        }
        group.wait()
        return results.warnings
    }

    /// Nil when delivered, else the warning line.
    func deliver(_ notification: JobNotification, to config: NotifierConfig) -> String? {
        let label = "notification \(config.name) (\(config.kind.rawValue))"
        if let problem = NotifierConfig.validate(config) { return "\(label) not sent: \(problem)" }
        let delivery = NotifierDelivery(config: config, trustedCertificates: trustedCertificates)
        var attempts = 0
        while true {
            attempts += 1
            do throws(NotifierFailure) {
                try delivery.attempt(notification)
                return nil
            } catch {
                guard error.isTransient, attempts <= retryDelays.count else {
                    let tries = attempts == 1 ? "" : " after \(attempts) attempts"
                    return "\(label) failed\(tries): \(error)"
                }
                Thread.sleep(forTimeInterval: retryDelays[attempts - 1])
            }
        }
    }
}

/// The warnings of notifiers sent on their own threads, kept in the notifiers' order.
private final class WarningSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [String?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ warning: String?) { lock.withLock { slots[index] = warning } }

    var warnings: [String] { lock.withLock { slots.compactMap { $0 } } }
}
