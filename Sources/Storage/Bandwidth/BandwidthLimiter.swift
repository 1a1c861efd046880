import Synchronization

/// A token bucket that holds back bytes in one direction (upload or download) to a rate
/// that may follow a timetable. One limiter is shared by every connection of the process,
/// so the limit is global, however many requests are in flight.
///
/// A caller takes the bytes it is about to send (or has just received) and sleeps until
/// the bucket has paid for them; the debt is booked at once, under the lock, so concurrent
/// callers queue in turn and the sleep happens outside it. Bursts are bounded to 1/8 s of
/// the rate (at least 16 KiB). The timetable is looked at again at least once a second of
/// waiting or sending; when the rate changes, the debt is dropped and waiters go on.
/// Unlimited (no schedule, or one that is `off` at all times) costs one atomic load.
public final class BandwidthLimiter: Sendable {
    private struct State {
        var schedule: BandwidthSchedule
        /// The rate now in force, and when the timetable was last read.
        var rate: Int?
        var checkedAt = -Double.infinity
        /// Bytes that may pass at once; below zero: the debt callers are sleeping off.
        var tokens: Double = 0
        var refilledAt: Double
        /// Counts rate changes, so that a waiter knows its debt was dropped.
        var generation = 0
    }

    /// The smallest burst, so that slow rates still move whole TCP segments.
    static let minimumBurst = 16 << 10
    /// How often the timetable is read again (seconds).
    static let recheckInterval = 1.0

    private let state: Mutex<State>
    private let limited = Atomic<Bool>(false)
    private let clock: any BandwidthClock

    public init(_ schedule: BandwidthSchedule = .unlimited, clock: any BandwidthClock = SystemBandwidthClock()) {
        self.clock = clock
        state = Mutex(State(schedule: schedule, refilledAt: clock.now()))
        limited.store(!schedule.isUnlimited, ordering: .relaxed)
    }

    /// Replaces the schedule (the command line's or a job's), taking effect at once.
    public func configure(_ schedule: BandwidthSchedule) {
        let now = clock.now()
        state.withLock {
            $0.schedule = schedule
            $0.checkedAt = -Double.infinity
            refresh(&$0, now: now)
        }
        limited.store(!schedule.isUnlimited, ordering: .relaxed)
    }

    /// Whether any time of day has a limit; if not, streams need not count at all.
    public var isLimited: Bool { limited.load(ordering: .relaxed) }

    public var schedule: BandwidthSchedule { state.withLock { $0.schedule } }

    /// The rate in force now, in bytes per second; nil: unlimited.
    public var currentRate: Int? {
        let now = clock.now()
        return state.withLock {
            refresh(&$0, now: now)
            return $0.rate
        }
    }

    /// Books `count` bytes and returns once the rate allows them.
    public func take(_ count: Int) {
        guard count > 0, isLimited else { return }
        let booked: (deadline: Double, generation: Int)? = state.withLock {
            let now = clock.now()
            refresh(&$0, now: now)
            guard let rate = $0.rate else { return nil }
            let burst = Double(max(rate / 8, Self.minimumBurst))
            $0.tokens = min(burst, $0.tokens + (now - $0.refilledAt) * Double(rate))
            $0.refilledAt = now
            $0.tokens -= Double(count)
            return $0.tokens >= 0 ? nil : (now - $0.tokens / Double(rate), $0.generation)
        }
        guard let booked else { return }
        while true {
            let now = clock.now()
            if now >= booked.deadline { return }
            clock.sleep(until: min(booked.deadline, now + Self.recheckInterval))
            let changed = state.withLock {
                refresh(&$0, now: clock.now())
                return $0.generation != booked.generation
            }
            if changed { return }
        }
    }

    /// Reads the timetable if it is time to; a new rate starts with neither debt nor burst.
    private func refresh(_ state: inout State, now: Double) {
        guard now - state.checkedAt >= Self.recheckInterval else { return }
        state.checkedAt = now
        let rate = state.schedule.rate(atMinute: clock.minuteOfDay())
        guard rate != state.rate else { return }
        state.rate = rate
        state.tokens = 0
        state.refilledAt = now
        state.generation += 1
    }
}
