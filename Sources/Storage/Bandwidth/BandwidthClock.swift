import Foundation

/// The time a `BandwidthLimiter` measures and waits by, injectable for tests.
public protocol BandwidthClock: Sendable {
    /// Seconds on a clock that never goes back.
    func now() -> Double
    /// Minutes after local midnight (0..<1440), which a timetable is written in.
    func minuteOfDay() -> Int
    /// Returns once `now()` has reached `deadline`.
    func sleep(until deadline: Double)
}

/// The machine's clocks: monotonic time for rates, the local wall clock for timetables.
public struct SystemBandwidthClock: BandwidthClock {
    public init() {}

    public func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    public func minuteOfDay() -> Int {
        var seconds = time(nil)
        var local = tm()
        localtime_r(&seconds, &local)
        return Int(local.tm_hour) * 60 + Int(local.tm_min)
    }

    public func sleep(until deadline: Double) {
        let wait = deadline - now()
        if wait > 0 { usleep(useconds_t(min(wait, 60) * 1_000_000)) }
    }
}
