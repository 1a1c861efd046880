import Crypto
import Synchronization

/// The summary of a restore as it goes, added to by the walk and by every worker.
final class RestoreTally: Sendable {
    private struct State {
        var summary = RestoreSummary()
        var damaged = Set<Digest256>()
    }

    private let state = Mutex(State())

    func update(_ body: (inout RestoreSummary) -> Void) {
        state.withLock { body(&$0.summary) }
    }

    /// A planned file (counted in `files`) whose content is incomplete: moved to `filesFailed`.
    func fileFailed() {
        state.withLock {
            $0.summary.files -= 1
            $0.summary.filesFailed += 1
        }
    }

    func problem(_ text: String) {
        state.withLock { $0.summary.problems.append(text) }
    }

    /// A blob that failed authentication, decoding or its id; counted once however many
    /// files use it.
    func damaged(_ blob: Digest256) {
        state.withLock {
            if $0.damaged.insert(blob).inserted { $0.summary.damagedBlobs += 1 }
        }
    }

    var snapshot: RestoreSummary { state.withLock { $0.summary } }

    /// How many problems are recorded: with `sortProblems(from:)`, what parallel workers
    /// report comes out in the same order every run.
    var problemCount: Int { state.withLock { $0.summary.problems.count } }

    func sortProblems(from start: Int) {
        state.withLock { $0.summary.problems[start...].sort() }
    }
}
