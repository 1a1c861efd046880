import Glibc
import Synchronization

/// A request to stop, raised once (by a signal, or by a caller that gave up) and seen by
/// every worker at its next safe point: between files, packs or requests, never inside a
/// write. Stopping there is what lets a command say exactly what it saved.
public final class Cancellation: Sendable {
    /// The signal that raised it, 0 while none has (a cancel without a signal records -1).
    private let raised = Atomic<Int32>(0)

    public init() {}

    /// The process's own: what `SignalTrap` raises and what the work of a command watches.
    public static let process = Cancellation()

    /// Raises the request; the first reason is kept.
    public func cancel(signal: Int32 = -1) {
        _ = raised.compareExchange(expected: 0, desired: signal == 0 ? -1 : signal, ordering: .sequentiallyConsistent)
    }

    public var isCancelled: Bool { raised.load(ordering: .relaxed) != 0 }

    /// The signal that raised the request, if one did.
    public var signal: Int32? {
        let value = raised.load(ordering: .sequentiallyConsistent)
        return value > 0 ? value : nil
    }

    /// A safe point: throws `Cancelled` once the request is raised.
    public func check() throws(Cancelled) {
        guard isCancelled else { return }
        throw Cancelled(signal: signal)
    }
}

/// Work stopped at a safe point because it was asked to (`signal` says by which, if any).
/// The operation that stopped adds what it had and had not saved, for the one line the
/// user reads.
public struct Cancelled: Error, Equatable, CustomStringConvertible {
    public let signal: Int32?
    public let outcome: String?

    public init(signal: Int32?, outcome: String? = nil) {
        self.signal = signal
        self.outcome = outcome
    }

    /// The same stop, with what the operation saved; an outcome already given is kept (the
    /// innermost operation knows best).
    public func saying(_ outcome: String) -> Cancelled {
        Cancelled(signal: signal, outcome: self.outcome ?? outcome)
    }

    public var description: String {
        let cause = switch signal {
        case SIGINT: "interrupted (SIGINT)"
        case SIGTERM: "terminated (SIGTERM)"
        case let signal?: "stopped by signal \(signal)"
        case nil: "cancelled"
        }
        return outcome.map { "\(cause): \($0)" } ?? cause
    }
}
