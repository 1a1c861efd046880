import Glibc
import Synchronization

/// Turns the first SIGINT or SIGTERM into a raised `Cancellation` that work sees at its
/// next safe point; a second one ends the process at once (exit 128 + signal), what a
/// user expects of a second Ctrl-C. Either way the repository stays consistent: every
/// write is atomic, and an operation cut short leaves at most data nothing refers to.
///
/// A plain `sigaction` handler rather than a Dispatch signal source: on Linux those read a
/// signalfd, which only sees signals blocked in every thread, and threads started before
/// the trap (Foundation's, Dispatch's) would still take the default action.
public final class SignalTrap {
    private let signals: [Int32]
    private let previous: [sigaction]

    /// Installs the trap for `signals`. `notice` is written to stderr on the first signal
    /// (from the handler, so it is fixed text).
    public init(_ signals: [Int32] = [SIGINT, SIGTERM], cancellation: Cancellation = .process, notice: String = "") {
        self.signals = signals
        let text = Array(notice.utf8)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, text.count))
        _ = buffer.initialize(from: text)
        // Everything the handler touches is in place before any signal can reach it.
        trappedNotice.store(text.isEmpty ? 0 : UInt(bitPattern: buffer.baseAddress), ordering: .sequentiallyConsistent)
        trappedNoticeLength.store(text.count, ordering: .sequentiallyConsistent)
        let retained = UInt(bitPattern: Unmanaged.passRetained(cancellation).toOpaque())
        let old = trappedCancellation.exchange(retained, ordering: .sequentiallyConsistent)
        if let old = UnsafeMutableRawPointer(bitPattern: old) { Unmanaged<Cancellation>.fromOpaque(old).release() }
        previous = signals.map { number in
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handleSignal
            sigemptyset(&action.sa_mask)
            // Interrupted calls restart: work notices the cancellation at its safe points,
            // not as EINTR in the middle of a write.
            action.sa_flags = SA_RESTART
            var old = sigaction()
            sigaction(number, &action, &old)
            return old
        }
    }

    /// Gives the signals back their earlier actions.
    public func remove() {
        for (number, old) in zip(signals, previous) {
            var old = old
            sigaction(number, &old, nil)
        }
    }
}

// What the handler reads, as bit patterns (pointers are not Sendable): the raised
// cancellation (retained) and the notice's bytes, which live as long as the process.
private let trappedCancellation = Atomic<UInt>(0)
private let trappedNotice = Atomic<UInt>(0)
private let trappedNoticeLength = Atomic<Int>(0)

/// Async-signal-safe: atomics, `write` and `_exit` only.
private func handleSignal(_ number: Int32) {
    guard let target = UnsafeMutableRawPointer(bitPattern: trappedCancellation.load(ordering: .sequentiallyConsistent)) else { return }
    let cancellation = Unmanaged<Cancellation>.fromOpaque(target).takeUnretainedValue()
    if cancellation.isCancelled { _exit(128 + number) }
    cancellation.cancel(signal: number)
    if let notice = UnsafeRawPointer(bitPattern: trappedNotice.load(ordering: .sequentiallyConsistent)) {
        _ = write(STDERR_FILENO, notice, trappedNoticeLength.load(ordering: .sequentiallyConsistent))
    }
}
