import Foundation
import Synchronization
import Workers

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
    /// Returns within `budget(for:)` of the slowest notifier, whatever the servers do.
    public func send(_ notification: JobNotification) -> [String] {
        let chosen = notifiers.filter { $0.events.contains(notification.event) }
        guard !chosen.isEmpty else { return [] }
        // One thread each: a notifier that stalls must not hold up the others. Not
        // cancelled by a signal: news of an interrupted run is news too.
        let results = WarningSlots(count: chosen.count)
        let sending = WorkerPool(threads: chosen.count).start(chosen.count) { index in
            results.set(index, deliver(notification, to: chosen[index]))
        }
        let budget = chosen.map(budget).max() ?? 0
        _ = sending.join(timeout: budget)
        // A server that trickles bytes keeps every read alive; its thread is left to end on
        // its own (or with the process), its notifier reported as not told.
        return results.warnings { index in
            "\(chosen[index].label) failed: no answer within \(Int(budget.rounded(.up))) s"
        }
    }

    /// How long one notifier may take in all: every attempt its timeout thrice over (a
    /// connection, a request, an answer; SMTP's exchanges are quick once connected), and the
    /// delays between attempts.
    public func budget(for config: NotifierConfig) -> Double {
        Double(retryDelays.count + 1) * config.timeout * 3 + retryDelays.reduce(0, +)
    }

    /// Nil when delivered, else the warning line.
    func deliver(_ notification: JobNotification, to config: NotifierConfig) -> String? {
        if let problem = NotifierConfig.validate(config) { return "\(config.label) not sent: \(problem)" }
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
                    return "\(config.label) failed\(tries): \(error)"
                }
                Thread.sleep(forTimeInterval: retryDelays[attempts - 1])
            }
        }
    }
}

/// The outcome of notifiers sent on their own threads, kept in the notifiers' order.
private final class WarningSlots: Sendable {
    private enum Slot {
        case pending
        case done(warning: String?)
    }

    private let slots: Mutex<[Slot]>

    init(count: Int) { slots = Mutex(Array(repeating: .pending, count: count)) }

    func set(_ index: Int, _ warning: String?) { slots.withLock { $0[index] = .done(warning: warning) } }

    /// The warnings so far, `unfinished(index)` for a notifier still at work.
    func warnings(unfinished: (Int) -> String) -> [String] {
        slots.withLock { slots in
            slots.enumerated().compactMap { index, slot in
                if case .done(let warning) = slot { return warning }
                return unfinished(index)
            }
        }
    }
}
