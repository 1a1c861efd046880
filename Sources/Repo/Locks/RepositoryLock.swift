import Crypto
import Foundation
import Storage
import Synchronization

/// A lock held on the repository: shared for snapshot, restore and check (many may run at
/// once), exclusive for prune (alone). Refreshed in the background while held, so other
/// hosts can tell a live holder from a crashed one.
///
/// Taking a lock writes the lock object first and then lists the others: two processes
/// racing both see each other's lock and at least one backs off, so an exclusive holder
/// and a shared one never both proceed.
public final class RepositoryLock: Sendable {
    /// How often a held lock is rewritten.
    static let refreshInterval: TimeInterval = 300
    /// After this long without a refresh a lock is taken to be stale.
    static let staleAfter: TimeInterval = 1800

    private let repository: Repository
    private struct State {
        var record: LockRecord
        var name: ObjectName
        var timer: DispatchSourceTimer?
        var released = false
    }
    private let state: Mutex<State>

    private init(repository: Repository, record: LockRecord, name: ObjectName) {
        self.repository = repository
        state = Mutex(State(record: record, name: name))
    }

    /// A lock that is not held (`--no-lock`, or a repository that cannot be written): it
    /// writes nothing, `release` does nothing, and `ensureHeld` throws, so no command that
    /// writes can use it.
    public static func unheld(_ repository: Repository, operation: String) -> RepositoryLock {
        let record = LockRecord(host: Host.name, pid: getpid(), user: Host.user, time: Date(), exclusive: false, operation: operation)
        let lock = RepositoryLock(repository: repository, record: record, name: ObjectName(.locks, "none"))
        lock.state.withLock { $0.released = true }
        return lock
    }

    /// Takes a lock, or throws `RepositoryError.locked` naming the holder that conflicts.
    ///
    /// With a `wait`, a conflict is retried after 1 s, then after twice as long each time
    /// (at most 30 s, a little jittered so two waiters do not keep colliding) until `wait`
    /// seconds have passed: overlapping cron runs queue instead of failing. `onWait` hears
    /// once, at the first conflict, what is being waited for.
    public static func acquire(_ repository: Repository, exclusive: Bool, operation: String, wait: TimeInterval = 0,
                               onWait: ((String) -> Void)? = nil) throws -> RepositoryLock {
        let deadline = Date().addingTimeInterval(wait)
        var pause: TimeInterval = 1
        var waiting = false
        while true {
            let holder: String
            switch try attempt(repository, exclusive: exclusive, operation: operation) {
            case .taken(let lock): return lock
            case .heldBy(let summary): holder = summary
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                let waited = waiting ? "; waited \(TimeSpan.describe(wait)) for it" : ""
                throw RepositoryError.locked("repository is locked: \(holder)\(waited); if that process is gone, run `repo unlock`")
            }
            if !waiting {
                waiting = true
                onWait?("waiting up to \(TimeSpan.describe(wait)) for the \(holder)")
            }
            Thread.sleep(forTimeInterval: min(pause * Double.random(in: 0.8...1.2), left))
            pause = min(pause * 2, 30)
        }
    }

    private enum Attempt {
        case taken(RepositoryLock)
        /// The summary of a live lock that conflicts.
        case heldBy(String)
    }

    private static func attempt(_ repository: Repository, exclusive: Bool, operation: String) throws -> Attempt {
        let record = LockRecord(host: Host.name, pid: getpid(), user: Host.user, time: Date(), exclusive: exclusive, operation: operation)
        let name = try write(record, to: repository)
        let lock = RepositoryLock(repository: repository, record: record, name: name)
        do {
            for (other, otherName) in try locks(of: repository) where otherName != name && !other.isStale() {
                if exclusive || other.exclusive {
                    lock.release()
                    return .heldBy(other.summary)
                }
            }
        } catch {
            lock.release()
            throw error
        }
        lock.startRefreshing()
        return .taken(lock)
    }

    /// Every lock in the repository; ones that cannot be read are reported as stale
    /// placeholders so `unlock` can clear them.
    static func locks(of repository: Repository) throws -> [(LockRecord, ObjectName)] {
        try repository.backend.list(.locks).compactMap { info in
            guard let sealed = try? repository.backend.read(info.name) else { return nil }  // gone meanwhile
            guard let plaintext = try? repository.metadata.open(sealed, kind: .lock, name: "lock"),
                  let record = try? JSONCoding.decoder.decode(LockRecord.self, from: Data(plaintext)) else {
                return (LockRecord.unreadable(info.name.id), info.name)
            }
            return (record, info.name)
        }
    }

    /// A lock is a few hundred bytes written at once: a temporary lock file this old is
    /// what a process killed while taking its lock left. Removing one still being written
    /// only makes that process fail to take its lock, with a clear error.
    static let incompleteLockWriteAge: Double = 10

    /// Removes stale locks (or all, with `all`) and the remains of lock writes cut short;
    /// returns what was removed.
    public static func removeLocks(_ repository: Repository, all: Bool) throws -> [String] {
        var removed = [String]()
        for (record, name) in try locks(of: repository) where all || record.isStale() {
            try repository.backend.delete(name)
            removed.append(record.summary)
        }
        let incomplete = try repository.backend.removeIncompleteWrites(of: [.locks], olderThan: incompleteLockWriteAge)
        if incomplete > 0 { removed.append("\(incomplete) incomplete lock write\(incomplete == 1 ? "" : "s") of killed processes") }
        return removed
    }

    /// The other locks in the repository that may belong to a running process: all but
    /// this one and those whose process is certainly gone (dead pid on this host). A lock
    /// that is only stale by time may still have a live holder on a cut-off host.
    public func othersPossiblyLive() throws -> [String] {
        let own = state.withLock { $0.name }
        return try Self.locks(of: repository).compactMap { record, otherName in
            otherName == own || record.isCertainlyDead() ? nil : record.summary
        }
    }

    /// Whether this is an exclusive lock, not yet released.
    var isHeldExclusively: Bool { state.withLock { $0.record.exclusive && !$0.released } }

    /// Throws unless this lock is still held: not released, its object still there (no
    /// `unlock --remove-all` took it), and refreshed recently enough that no other process
    /// can have taken it for stale. A snapshot calls this just before it writes the
    /// snapshot object, so it never commits to blobs that a prune may have deleted.
    public func ensureHeld() throws {
        try state.withLock { state throws in
            let lost = RepositoryError.locked("this process's lock was removed or went stale while it ran; nothing was saved: run it again")
            guard !state.released, Date().timeIntervalSince(state.record.time) < Self.staleAfter - Self.refreshInterval else { throw lost }
            guard try repository.backend.stat(state.name) != nil else { throw lost }
        }
    }

    static func write(_ record: LockRecord, to repository: Repository) throws -> ObjectName {
        let sealed = try repository.metadata.seal(Array(try JSONCoding.encoder.encode(record)), kind: .lock)
        // Lock ids are random: a refresh writes a new object, then removes the old one.
        let name = ObjectName(.locks, SecureRandom.bytes(count: 32).map { String(format: "%02x", $0) }.joined())
        try repository.backend.write(name, sealed)
        return name
    }

    private func startRefreshing() {
        // Made under the lock: the timer (not Sendable) belongs to the locked state.
        state.withLock { state in
            let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
            timer.schedule(deadline: .now() + Self.refreshInterval, repeating: Self.refreshInterval)
            timer.setEventHandler { [weak self] in self?.refresh() }
            state.timer = timer
            timer.resume()
        }
    }

    private func refresh() {
        state.withLock { state in
            guard !state.released else { return }
            var fresh = state.record
            fresh.time = Date()
            guard let newName = try? Self.write(fresh, to: repository) else { return }
            try? repository.backend.delete(state.name)
            state.record = fresh
            state.name = newName
        }
    }

    /// Removes the lock. Safe to call more than once.
    public func release() {
        state.withLock { state in
            guard !state.released else { return }
            state.released = true
            state.timer?.cancel()
            try? repository.backend.delete(state.name)
        }
    }

    deinit { release() }
}
