#if canImport(Glibc)
import Glibc
#endif

/// Runs a workload repeatedly and reports its rate: the best of `rounds` rounds of at
/// least `seconds` each, since on a shared machine interference only ever slows a round.
///
/// Time is this thread's CPU time, as `openssl speed` counts by default (user CPU time):
/// on a virtual machine the wall clock also counts time the hypervisor gave to others,
/// which swings from run to run and says nothing about the code.
struct Stopwatch {
    let seconds: Double
    var rounds = 3

    /// `pass` processes some bytes and returns how many; the result is in MB/s (10^6).
    func throughput(_ pass: () throws -> Int) rethrows -> Double {
        _ = try pass()  // warm caches and lazily initialised state
        var best = 0.0
        for _ in 0..<rounds {
            var bytes = 0
            let start = Self.threadCPUSeconds()
            var elapsed = 0.0
            repeat {
                bytes += try pass()
                elapsed = Self.threadCPUSeconds() - start
            } while elapsed < seconds
            best = max(best, Double(bytes) / elapsed / 1e6)
        }
        return best
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
