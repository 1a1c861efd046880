import Foundation
import Storage
import Synchronization
import Testing

/// A clock that only moves when a limiter sleeps on it (or a test advances it); its local
/// time of day starts at `startOfDay` seconds after midnight.
final class ManualBandwidthClock: BandwidthClock {
    private let time = Mutex<Double>(0)
    private let startOfDay: Int

    init(startOfDay: Int = 12 * 3600) { self.startOfDay = startOfDay }

    func now() -> Double { time.withLock { $0 } }
    func minuteOfDay() -> Int { ((startOfDay + Int(now().rounded(.down))) / 60) % 1440 }
    func sleep(until deadline: Double) { time.withLock { $0 = max($0, deadline) } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

@Suite struct BandwidthLimiterTests {
    static func take(_ limiter: BandwidthLimiter, _ total: Int, slice: Int = 16 << 10) {
        var left = total
        while left > 0 {
            limiter.take(min(slice, left))
            left -= slice
        }
    }

    @Test func bytesPassAtTheRate() {
        let clock = ManualBandwidthClock()
        let limiter = BandwidthLimiter(.constant(1 << 20), clock: clock)
        Self.take(limiter, 10 << 20)
        #expect(abs(clock.now() - 10) < 1e-6)
    }

    @Test func anIdleLimiterAllowsOnlyAnEighthOfASecondAtOnce() {
        let clock = ManualBandwidthClock()
        let limiter = BandwidthLimiter(.constant(1 << 20), clock: clock)
        limiter.take(1)
        clock.advance(10)
        limiter.take(128 << 10)
        #expect(abs(clock.now() - 10) < 1e-6, "the burst passes at once")
        limiter.take(1 << 20)
        #expect(abs(clock.now() - 11) < 1e-3, "what passes the burst is paid in full")
    }

    @Test func threadsSharingALimiterShareTheRate() async {
        let clock = ManualBandwidthClock()
        let limiter = BandwidthLimiter(.constant(4 << 20), clock: clock)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { Self.take(limiter, 1 << 20) } }
        }
        #expect(abs(clock.now() - 2) < 1e-6, "8 MiB at 4 MiB/s, however interleaved")
    }

    @Test func threadsSharingALimiterShareTheRateInRealTime() {
        let limiter = BandwidthLimiter(.constant(2 << 20))
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in Self.take(limiter, 256 << 10) }
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed > 0.45 && elapsed < 0.9, "1 MiB at 2 MiB/s took \(elapsed) s")
    }

    @Test func unlimitedCostsNoWait() {
        let clock = ManualBandwidthClock()
        let limiter = BandwidthLimiter(clock: clock)
        #expect(!limiter.isLimited)
        limiter.take(1 << 30)
        #expect(clock.now() == 0)
    }

    @Test func theTimetableSwitchesAtItsBoundary() throws {
        // 19:59:00: one minute of 1 MiB/s left, then unlimited.
        let clock = ManualBandwidthClock(startOfDay: 19 * 3600 + 59 * 60)
        let limiter = BandwidthLimiter(try BandwidthSchedule.parse("08:00-20:00 1MiB, 20:00-08:00 off"), clock: clock)
        #expect(limiter.currentRate == 1 << 20)
        Self.take(limiter, 59 << 20)
        #expect(abs(clock.now() - 59) < 1e-6)
        #expect(limiter.currentRate == 1 << 20)
        // A debt of 10 s booked at 19:59:59 is dropped when 20:00 comes.
        limiter.take(10 << 20)
        #expect(clock.now() >= 60 && clock.now() < 61.01, "waited until \(clock.now())")
        #expect(limiter.currentRate == nil)
        let before = clock.now()
        limiter.take(1 << 30)
        #expect(clock.now() == before)
    }

    @Test func theTimetableTurnsTheLimitOnAtItsBoundary() throws {
        let clock = ManualBandwidthClock(startOfDay: 7 * 3600 + 59 * 60 + 30)
        let limiter = BandwidthLimiter(try BandwidthSchedule.parse("08:00-20:00 1MiB, 20:00-08:00 off"), clock: clock)
        limiter.take(1 << 30)
        #expect(clock.now() == 0)
        clock.advance(30)
        Self.take(limiter, 2 << 20)
        #expect(abs(clock.now() - 32) < 1e-6)
    }

    @Test func configuringReplacesTheSchedule() {
        let clock = ManualBandwidthClock()
        let limiter = BandwidthLimiter(clock: clock)
        limiter.configure(.constant(1 << 20))
        #expect(limiter.isLimited && limiter.currentRate == 1 << 20)
        limiter.configure(.unlimited)
        #expect(!limiter.isLimited)
    }
}
