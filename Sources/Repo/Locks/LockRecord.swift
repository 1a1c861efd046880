import Foundation
import Storage

/// The content of a `locks/<id>` object.
struct LockRecord: Codable, Sendable, Equatable {
    var host: String
    var pid: Int32
    var user: String
    /// When the lock was taken or last refreshed.
    var time: Date
    var exclusive: Bool
    /// What holds it ("snapshot", "prune"...), for messages.
    var operation: String

    /// A lock whose holder is certainly gone: its process is dead on this host, or it
    /// has not been refreshed for `staleAfter` seconds (a crashed or cut-off host).
    func isStale(now: Date = Date(), staleAfter: TimeInterval = RepositoryLock.staleAfter) -> Bool {
        if now.timeIntervalSince(time) > staleAfter { return true }
        if host == Host.name {
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        return false
    }

    /// Whether the holder is known to be gone: its pid is dead on this host. Unreadable
    /// locks count as dead too (no process of this repository could have written them).
    func isCertainlyDead() -> Bool {
        if time == .distantPast && host == "?" { return true }
        return host == Host.name && kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Stands for a lock object that cannot be read: stale, so it blocks nobody and
    /// `unlock` removes it.
    static func unreadable(_ id: String) -> LockRecord {
        LockRecord(host: "?", pid: 0, user: "?", time: .distantPast, exclusive: false, operation: "unreadable lock \(id.prefix(8))")
    }

    var summary: String {
        "\(exclusive ? "exclusive" : "shared") lock by \(operation) (pid \(pid) on \(host), user \(user), since \(Timestamps.format(time)))"
    }
}
