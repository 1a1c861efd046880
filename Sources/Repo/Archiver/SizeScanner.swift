import Foundation
import Synchronization
import Workers

/// Walks the paths ahead of the snapshot, counting files and bytes, so progress can show
/// a total and an ETA. Metadata only (no xattrs, no content): cheap next to the backup.
final class SizeScanner: Sendable {
    private struct Totals {
        var files = 0
        var bytes: UInt64 = 0
        var complete = false
    }

    private let roots: [FilePath]
    private let rules: ExcludeRules
    private let counted = Mutex(Totals())
    /// Its own: `stop()` ends the scan, and a signal ends it with the snapshot.
    private let cancellation = Cancellation()

    init(roots: [FilePath], rules: ExcludeRules) {
        self.roots = roots
        self.rules = rules
    }

    var totals: (files: Int, bytes: UInt64, complete: Bool) { counted.withLock { ($0.files, $0.bytes, $0.complete) } }

    func start() {
        _ = WorkerPool(threads: 1, cancellation: cancellation).start(1) { [self] _ in scan() }
    }

    func stop() { cancellation.cancel() }

    private func scan() {
        let walker = TreeWalker(rules: rules, readXattrs: false)
        do {
            try walker.walk(roots) { (event: WalkEvent) throws(Cancelled) in
                guard case .entry(_, let metadata) = event else { return }
                try cancellation.check()
                try Cancellation.process.check()
                guard metadata.type == .file else { return }
                counted.withLock {
                    $0.files += 1
                    $0.bytes += metadata.size
                }
            }
            counted.withLock { $0.complete = true }
        } catch {}
    }
}
