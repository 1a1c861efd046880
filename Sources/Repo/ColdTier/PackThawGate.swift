import Crypto
import Foundation
import Storage
import Synchronization
import Workers

/// What a thaw is doing, for the command line to show.
public enum ThawEvent: Sendable {
    /// Before any request: what a thaw will ask for (`packs` not yet thawing, `bytes` of
    /// them), and how many are already thawing from an earlier run.
    case cost(packs: Int, bytes: UInt64, alreadyThawing: Int, tier: ThawTier, days: Int)
    /// Restore requests made so far.
    case requested(done: Int, total: Int)
    /// Waiting: `readable` of `total` packs are readable; the next look is in `next` seconds.
    case waiting(readable: Int, total: Int, next: Double)
}

/// Stands before a command that reads packs from a store with archive tiers: the packs it
/// needs are surveyed first (one HEAD each), so that archived ones stop it before it
/// writes anything, with one line and exit code 20, instead of failing pack by pack.
///
/// Asked to thaw, it requests a restore of each archived pack not already thawing (a
/// second run picks up where the first left: thawing packs are not requested again, thawed
/// ones are read), then stops (exit 20, "run again in about H hours") or waits, looking
/// again every `pollInterval`, until all are readable.
public struct PackThawGate: Sendable {
    let backend: any Backend
    let cancellation: Cancellation

    public init(backend: any Backend, cancellation: Cancellation = .process) {
        self.backend = backend
        self.cancellation = cancellation
    }

    /// Returns once every pack `needed` gives is readable. `needed` is called only when a
    /// listing shows packs that may be archived (a walk of trees is not made for a
    /// repository with none). `purpose` names what needs them in messages ("the restore");
    /// `hint` says how to thaw ("run again with --thaw").
    public func makeReadable(_ needed: () throws -> [(id: Digest256, kind: ObjectKind, size: Int)], thaw: ThawOptions?,
                             purpose: String, hint: String = "run again with --thaw", events: (ThawEvent) -> Void = { _ in }) throws {
        let survey = PackArchiveSurvey(backend: backend, cancellation: cancellation)
        let candidates = try survey.candidates()
        guard !candidates.isEmpty else { return }
        var found = try survey.ask(try needed().filter { candidates.contains(ObjectName($0.kind, $0.id.hex)) })
        var unreadable = found.unreadable
        guard !unreadable.isEmpty else { return }
        let storageClass = found.storageClass
        let total = unreadable.count
        let bytes = ArchivedPacks.bytes(unreadable)
        guard let thaw else {
            throw ArchivedPacksError(reason: .archived(hint: hint), packs: total, bytes: bytes, storageClass: storageClass, purpose: purpose)
        }
        let frozen = found.frozen
        events(.cost(packs: frozen.count, bytes: ArchivedPacks.bytes(frozen), alreadyThawing: found.thawing.count, tier: thaw.tier, days: thaw.days))
        try request(frozen, thaw: thaw, events: events)
        guard thaw.wait else {
            let hours = unreadable.map { thaw.tier.expectedHours(from: $0.state.storageClass ?? "") }.max() ?? 0
            throw ArchivedPacksError(reason: .thawPending(hours: hours), packs: total, bytes: bytes, storageClass: storageClass,
                                     purpose: purpose)
        }
        while true {
            events(.waiting(readable: total - unreadable.count, total: total, next: thaw.pollInterval))
            try sleep(thaw.pollInterval)
            found = try survey.ask(unreadable.map { ($0.pack, $0.kind, $0.size) })
            unreadable = found.unreadable
            if unreadable.isEmpty { break }
            // A restored copy that expired meanwhile, or a restore the store dropped: ask again.
            try request(found.frozen, thaw: thaw, events: { _ in })
        }
        events(.waiting(readable: total, total: total, next: 0))
    }

    /// Restore requests for `entries`, many in flight.
    private func request(_ entries: [ArchivedPacks.Entry], thaw: ThawOptions, events: (ThawEvent) -> Void) throws {
        guard !entries.isEmpty else { return }
        let backend = backend
        let done = Atomic<Int>(0)
        let pool = WorkerPool(threads: max(1, backend.preferredConcurrency), cancellation: cancellation)
        // `waiting` runs on this thread only, and not after `forEach` returns.
        try withoutActuallyEscaping(events) { events in
            try pool.forEach(entries.count, waiting: { events(.requested(done: done.load(ordering: .relaxed), total: entries.count)) }) { number in
                _ = try backend.requestThaw(entries[number].name, tier: thaw.tier, days: thaw.days)
                done.add(1, ordering: .relaxed)
            }
        }
        events(.requested(done: entries.count, total: entries.count))
    }

    /// Sleeps `seconds`, or throws as soon as the command is asked to stop.
    private func sleep(_ seconds: Double) throws {
        let until = Date().addingTimeInterval(seconds)
        while true {
            try cancellation.check()
            let left = until.timeIntervalSinceNow
            guard left > 0 else { return }
            Thread.sleep(forTimeInterval: min(left, 0.1))
        }
    }
}
