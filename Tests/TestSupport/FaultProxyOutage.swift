import Foundation
import Synchronization

/// An outage of the store behind a `FaultProxy`, in the three phases networks fail in:
/// connections refused (nothing listens), then connections that hang (accepted, never
/// answered), then `503 SlowDown` to every request; then the store is well again.
///
/// It starts on a thread of its own at the first request that `trigger` picks (that
/// request passes), so that it falls in the middle of a command:
///
///     let outage = FaultProxyOutage(proxy, refused: 3, hanging: 3, failing: 3) { $0.method == "PUT" && $0.target.contains("/data/") }
///     let result = try workspace.repo(...)
///     outage.wait()
public final class FaultProxyOutage: Sendable {
    public let refused: Double
    public let hanging: Double
    public let failing: Double
    /// When the outage began and each phase after it: refused, hanging, failing, over.
    private let marks = Mutex<[(phase: String, at: Date)]>([])
    private let over = DispatchSemaphore(value: 0)

    public init(_ proxy: FaultProxy, refused: Double, hanging: Double, failing: Double,
                when trigger: @escaping @Sendable (FaultProxy.Request) -> Bool) {
        self.refused = refused
        self.hanging = hanging
        self.failing = failing
        let triggered = DispatchSemaphore(value: 0)
        let fired = Atomic<Bool>(false)
        proxy.inject { request in
            if trigger(request) && !fired.exchange(true, ordering: .relaxed) { triggered.signal() }
            return nil
        }
        Thread.detachNewThread { [self] in
            triggered.wait()
            mark("refused")
            proxy.refuseConnections()
            Thread.sleep(forTimeInterval: refused)
            // Held far longer than any idle timeout: the client gives up, not the store.
            proxy.failEveryRequest(with: .hang(seconds: 600))
            try? proxy.acceptConnections()
            mark("hanging")
            Thread.sleep(forTimeInterval: hanging)
            proxy.failEveryRequest(with: .slowDown)
            mark("failing")
            Thread.sleep(forTimeInterval: failing)
            proxy.clearFaults()
            mark("over")
            over.signal()
        }
    }

    private func mark(_ phase: String) {
        marks.withLock { $0.append((phase, Date())) }
    }

    /// Waits until the store is well again (false: not within `timeout` seconds, or it
    /// never began).
    @discardableResult
    public func wait(timeout: Double = 300) -> Bool {
        over.wait(timeout: .now() + timeout) == .success
    }

    /// When the outage began, nil if it did not.
    public var began: Date? { marks.withLock { $0.first?.at } }

    /// When the store was well again, nil if not yet.
    public var ended: Date? { marks.withLock { $0.first { $0.phase == "over" }?.at } }

    /// `refused at 0.0 s, hanging at 3.0 s, …` from the start of the outage.
    public var timeline: String {
        marks.withLock { marks in
            guard let start = marks.first?.at else { return "no outage" }
            return marks.map { "\($0.phase) at \(String(format: "%.1f", $0.at.timeIntervalSince(start))) s" }.joined(separator: ", ")
        }
    }
}
