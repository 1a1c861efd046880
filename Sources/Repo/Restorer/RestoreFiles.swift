import Foundation
import Posix

/// The planned files while workers write them: each is created by the first worker that
/// writes to it, kept open in a bounded cache (a tree has more files than a process may hold
/// open, and a large file's blobs are spread over many packs), and finished (metadata, and
/// with `--verify` a read-back) by the worker that writes its last piece.
///
/// Creating files here rather than during the walk spreads the cost of creating inodes,
/// which is much of a restore of small files, over all workers.
///
/// Thread-safe.
// @unchecked: workers wait on a condition for a file another is opening (a Mutex cannot wait).
final class RestoreFiles: @unchecked Sendable {
    private enum State {
        case planned
        /// A worker is creating or reopening it; others wait.
        case opening
        case created(FileIdentity)
        /// It could not be created or reopened: pieces for it are dropped.
        case unavailable
    }

    private let plan: [RestorePlan.File]
    private let directories: RestoreDirectories
    private let tally: RestoreTally
    private let verify: Bool
    private let condition = NSCondition()
    private var states: [State]
    private var remaining: [UInt32]
    /// Whether a file lacks something (a damaged or missing blob, a failed write): it then
    /// keeps the private mode it was created with instead of its metadata.
    private var incomplete: [Bool]
    private var open: HandleCache<RestoredFile>

    init(plan: [RestorePlan.File], directories: RestoreDirectories, tally: RestoreTally, verify: Bool, openFiles: Int = 256) {
        self.plan = plan
        self.directories = directories
        self.tally = tally
        self.verify = verify
        states = Array(repeating: .planned, count: plan.count)
        remaining = plan.map(\.pieces)
        incomplete = plan.map(\.incomplete)
        open = HandleCache(capacity: openFiles)
    }

    /// The file's path in the snapshot, for messages.
    func path(_ file: Int) -> FilePath {
        directories.snapshotPath(plan[file].directory).appending(plan[file].name)
    }

    /// The file open for writing: created (empty, at its final size, so holes stay holes)
    /// on first use, reopened if it has been closed since. Nil if that failed (reported).
    func handle(_ file: Int) -> RestoredFile? {
        let index = Int32(file)
        condition.lock()
        while true {
            if let handle = open.get(index) {
                condition.unlock()
                return handle
            }
            let identity: FileIdentity?
            switch states[file] {
            case .unavailable:
                condition.unlock()
                return nil
            case .opening:
                condition.wait()
                continue
            case .planned: identity = nil
            case .created(let existing): identity = existing
            }
            states[file] = .opening
            condition.unlock()
            let result = Result { () throws(FileSystemError) in try openOrCreate(file, identity: identity) }
            condition.lock()
            defer {
                condition.broadcast()
                condition.unlock()
            }
            switch result {
            case .success(let (handle, identity)):
                states[file] = .created(identity)
                open.insert(handle, index)
                return handle
            case .failure(let error):
                states[file] = .unavailable
                incomplete[file] = true
                tally.problem("\(path(file)): \(error)")
                return nil
            }
        }
    }

    private func openOrCreate(_ file: Int, identity: FileIdentity?) throws(FileSystemError) -> (RestoredFile, FileIdentity) {
        let planned = plan[file]
        let directory = try directories.directory(planned.directory)
        if let identity { return (try directory.reopenFile(planned.name, identity: identity), identity) }
        let handle = try directory.createFile(planned.name)
        try handle.setSize(planned.size)
        do throws(Errno) {
            return (handle, try handle.identity())
        } catch {
            throw error.error("stat", handle.path.description)
        }
    }

    /// Whether the file could not be written whole (or read back right).
    func failed(_ file: Int) -> Bool { condition.withLock { incomplete[file] } }

    /// Marks the file incomplete; the first reason is reported.
    func fail(_ file: Int, _ reason: Error) {
        let first = condition.withLock {
            defer { incomplete[file] = true }
            return !incomplete[file]
        }
        if first { tally.problem("\(path(file)): \(reason)") }
    }

    /// Counts one piece of the file done (written or failed), through `handle` (nil if the
    /// file is unavailable). The last one finishes the file: metadata, read-back, close.
    func pieceDone(_ file: Int, handle: RestoredFile?, check: ContentCheck) {
        let last = condition.withLock {
            remaining[file] -= 1
            return remaining[file] == 0
        }
        if last { finish(file, handle: handle, check: check) }
    }

    /// Finishes a file that has no pieces (empty, or only holes): creates it and sets its
    /// metadata at once.
    func finishEmpty(_ file: Int, check: ContentCheck) {
        finish(file, handle: handle(file), check: check)
    }

    private func finish(_ file: Int, handle: RestoredFile?, check: ContentCheck) {
        defer { condition.withLock { open.remove(Int32(file)) } }
        guard let handle, !condition.withLock({ incomplete[file] }) else {
            tally.fileFailed()
            return
        }
        let planned = plan[file]
        do throws(FileSystemError) {
            for problem in try handle.applyMetadata(planned.metadata) { tally.problem("\(path(file)): \(problem)") }
        } catch {
            tally.problem("\(path(file)): \(error)")
        }
        guard verify else { return }
        do throws(FileSystemError) {
            guard let file = try directories.directory(planned.directory).openExistingFile(planned.name),
                  check.matches(planned.content ?? [], size: planned.size, file: file) else {
                tally.problem("\(path(file)): verification failed: the file does not read back as stored")
                verificationFailed(file)
                return
            }
            tally.update { $0.filesVerified += 1 }
        } catch {
            tally.problem("\(path(file)): \(error)")
            verificationFailed(file)
        }
    }

    private func verificationFailed(_ file: Int) {
        condition.withLock { incomplete[file] = true }
        tally.fileFailed()
    }
}
