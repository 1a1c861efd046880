import Crypto
import Foundation

/// The summary of a restore as it goes, added to by the walk and by every worker.
///
/// Thread-safe.
final class RestoreTally: @unchecked Sendable {
    private let lock = NSLock()
    private var summary = RestoreSummary()
    private var damaged = Set<Digest256>()

    func update(_ body: (inout RestoreSummary) -> Void) {
        lock.withLock { body(&summary) }
    }

    func problem(_ text: String) {
        lock.withLock { summary.problems.append(text) }
    }

    /// A blob that failed authentication, decoding or its id; counted once however many
    /// files use it.
    func damaged(_ blob: Digest256) {
        lock.withLock {
            if damaged.insert(blob).inserted { summary.damagedBlobs += 1 }
        }
    }

    var snapshot: RestoreSummary { lock.withLock { summary } }

    /// How many problems are recorded: with `sortProblems(from:)`, what parallel workers
    /// report comes out in the same order every run.
    var problemCount: Int { lock.withLock { summary.problems.count } }

    func sortProblems(from start: Int) {
        lock.withLock { summary.problems[start...].sort() }
    }
}
