import Crypto
import Foundation
import Storage
@_spi(Benchmarks) import Repo

/// `repo-bench synthetic-repo DIR --blobs N --snapshots S`: a repository of N small blobs
/// (password from REPO_PASSWORD, else "bench") for measuring prune and the index at scale:
///   /usr/bin/time -v repo -r DIR forget --keep-last 2 --prune
enum SyntheticRepositoryCommand {
    static func run(directory: String, blobs: Int, snapshots: Int) throws {
        let password = ProcessInfo.processInfo.environment["REPO_PASSWORD"] ?? "bench"
        let repository = try Repository.initialize(backend: try LocalBackend.create(at: directory), password: Array(password.utf8))
        let start = Date()
        let stored = try SyntheticRepository.populate(repository, blobs: blobs, snapshots: snapshots) { done in
            FileHandle.standardError.write(Data("\r\(done) blobs".utf8))
        }
        let seconds = Date().timeIntervalSince(start)
        print("\n\(blobs) blobs, \(stored.count) snapshots in \(directory) (\(String(format: "%.1f", seconds)) s)")
    }
}

/// `repo-bench index DIR [--lookups N]`: opens a repository (a synthetic one, say) and
/// reports what its index costs: load time, resident memory per blob, and the time of a
/// lookup of a present and of an absent id, one thread.
enum IndexCostCommand {
    static func run(directory: String, lookups: Int) throws {
        let password = ProcessInfo.processInfo.environment["REPO_PASSWORD"] ?? "bench"
        let before = residentKiB("VmRSS")
        let clock = ContinuousClock()
        var repository: Repository?
        let load = try clock.measure {
            repository = try Repository.open(backend: try LocalBackend(existingAt: directory), password: Array(password.utf8),
                                             cacheDirectory: nil)
        }
        guard let repository else { return }
        let after = residentKiB("VmRSS"), loadPeak = residentKiB("VmHWM")
        let blobs = repository.indexCount
        var present = repository.indexSample(count: lookups)
        present.shuffle()
        var generator = SystemRandomNumberGenerator()
        let absent = (0..<present.count).map { _ in
            Digest256(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }.withUnsafeBytes { $0 })
        }
        var found = 0
        let presentTime = clock.measure { for id in present where repository.contains(id) { found += 1 } }
        let absentTime = clock.measure { for id in absent where repository.contains(id) { found += 1 } }
        func nanoseconds(_ duration: Duration, _ count: Int) -> Double {
            (Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9) / Double(max(1, count))
        }
        print("""
            \(blobs) blobs; index loaded in \(load); resident \(before / 1024) -> \(after / 1024) MiB \
            (\(String(format: "%.1f", Double(after - before) * 1024 / Double(max(1, blobs)))) bytes per blob), \
            peak while loading \(loadPeak / 1024) MiB
            lookups, one thread: present \(String(format: "%.0f", nanoseconds(presentTime, present.count))) ns, \
            absent \(String(format: "%.0f", nanoseconds(absentTime, absent.count))) ns (\(found) of \(present.count) present found)
            """)
    }

    /// A field of /proc/self/status, in KiB.
    static func residentKiB(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}
