import Foundation

/// Walks the paths ahead of the snapshot, counting files and bytes, so progress can show
/// a total and an ETA. Metadata only (no xattrs, no content): cheap next to the backup.
final class SizeScanner: @unchecked Sendable {
    private let roots: [FilePath]
    private let rules: ExcludeRules
    private let lock = NSLock()
    private var files = 0
    private var bytes: UInt64 = 0
    private var complete = false
    private var cancelled = false

    init(roots: [FilePath], rules: ExcludeRules) {
        self.roots = roots
        self.rules = rules
    }

    var totals: (files: Int, bytes: UInt64, complete: Bool) { lock.withLock { (files, bytes, complete) } }

    func start() {
        let thread = Thread { [self] in scan() }
        thread.qualityOfService = .utility
        thread.start()
    }

    func stop() { lock.withLock { cancelled = true } }

    private struct Cancelled: Error {}

    private func scan() {
        let walker = TreeWalker(rules: rules, readXattrs: false)
        do {
            try walker.walk(roots) { (event: WalkEvent) throws(Cancelled) in
                guard case .entry(_, let metadata) = event else { return }
                lock.lock()
                defer { lock.unlock() }
                if cancelled { throw Cancelled() }
                if metadata.type == .file {
                    files += 1
                    bytes += metadata.size
                }
            }
            lock.withLock { complete = true }
        } catch {}
    }
}
