import Crypto
import Workers

/// Recreates a snapshot (or part of it) under a target directory: contents, modes,
/// ownership (as root), times, symlinks, hard links, sparse holes, devices, FIFOs, xattrs.
///
/// In three phases:
/// 1. `RestorePlanner` walks the trees on this thread: directories, symlinks and special
///    files are made, files already right are kept, and the rest become a plan of which
///    blob goes where, grouped by pack.
/// 2. `options.jobs` workers (`PackRestorer`) take a pack each: every pack is read once,
///    front to back, and each blob is decrypted, checked against its id and written to
///    every file and offset that needs it. A file is created by the first worker that
///    writes to it, at its final size, so holes are never written; the worker that writes
///    its last piece sets its metadata.
/// 3. Hard links are made to their complete first names, then directories get their
///    metadata, children before parents, since writing into a directory moves its mtime.
///
/// Memory is the plan (64 bytes a blob to write, and each file's name and metadata) plus
/// one pack span per worker (at most 32 MiB, a pack of the default 16 MiB usually).
///
/// Every write goes through `RestoreTarget`, which never follows a symlink inside the
/// target, and every name from the repository has been validated when its tree was
/// decoded, so a hostile repository cannot write outside the target.
public final class Restorer {
    private let repository: Repository
    private let options: RestoreOptions
    private let progress: ((RestoreSummary) -> Void)?
    /// Told what a thaw of archived packs is doing (`options.thaw`).
    private let thawEvents: (ThawEvent) -> Void
    /// Raised, the restore stops between packs (and between directories while planning).
    private let cancellation: Cancellation
    /// How many files and directories are kept open at most while workers write (tests
    /// make these tiny to exercise reopening).
    var openFiles = 256
    var openDirectories = 64

    /// `progress` is called on the calling thread, with the summary so far.
    public init(repository: Repository, options: RestoreOptions, cancellation: Cancellation = .process,
                progress: ((RestoreSummary) -> Void)? = nil, thawEvents: @escaping (ThawEvent) -> Void = { _ in }) {
        self.repository = repository
        self.options = options
        self.cancellation = cancellation
        self.progress = progress
        self.thawEvents = thawEvents
    }

    public func restore(_ snapshot: StoredSnapshot, to target: String) throws -> RestoreSummary {
        // A blob stored again because its pack went missing is read from its new copy.
        try repository.forgetMissingPacks()
        try makePacksReadable(snapshot)
        let root = try RestoreTarget(path: FilePath(target)).root
        let directories = RestoreDirectories(root: root, capacity: openDirectories)
        let tally = RestoreTally()
        let report = progress.map { progress in { progress(tally.snapshot) } }
        let planner = RestorePlanner(repository: repository, options: options, directories: directories, tally: tally,
                                     cancellation: cancellation, progress: report)
        do {
            try planner.plan(snapshot.snapshot.tree)
            let files = try write(planner.plan, directories: directories, tally: tally, report: report)
            finish(planner.plan, files: files, directories: directories, tally: tally)
        } catch let stop as Cancelled {
            let done = tally.snapshot
            throw stop.saying("restore stopped after writing \(ByteCount.text(done.bytesWritten)); files may be missing or incomplete and "
                              + "directories lack their metadata: run the same restore again to finish (files already right are kept)")
        } catch where RepositoryDamage.isDamage(error) {
            throw RepositoryDamage(underlying: error)
        }
        report?()
        return tally.snapshot
    }

    /// Before anything is written (the target not even created): the packs the restore
    /// needs that are archived stop it with one line, or are thawed (`options.thaw`).
    private func makePacksReadable(_ snapshot: StoredSnapshot) throws {
        let needs = RestoreNeeds(repository: repository, selection: RestoreSelection(options: options))
        try PackThawGate(backend: repository.backend, cancellation: cancellation).makeReadable(
            { PackArchiveSurvey.indexed(try needs.packs(of: snapshot.snapshot.tree), in: repository) },
            thaw: options.thaw, purpose: "the restore", events: thawEvents)
    }

    /// Phase 2: files without content at once, then every pack on the workers.
    private func write(_ plan: RestorePlan, directories: RestoreDirectories, tally: RestoreTally,
                       report: (() -> Void)?) throws -> RestoreFiles {
        let files = RestoreFiles(plan: plan.files, directories: directories, tally: tally, verify: options.verify,
                                 openFiles: openFiles)
        let check = ContentCheck(repository: repository, namer: repository.blobs.namer())
        for file in plan.files.indices where plan.files[file].pieces == 0 { files.finishEmpty(file, check: check) }
        let repository = repository
        let reported = tally.problemCount
        // In the plan's order: the order the walk first needed the packs, close to the order
        // they were written. More threads than cores: an object store wants many requests
        // in flight.
        defer { tally.sortProblems(from: reported) }
        try WorkerPool(threads: options.jobs, cancellation: cancellation).forEach(
            plan.packs.count,
            makeWorker: { PackRestorer(repository: repository, plan: plan, files: files, tally: tally) },
            waiting: report) { worker, pack in worker.restore(pack: pack) }
        return files
    }

    /// Phase 3: hard links (a link to an incomplete file is made, and failed with it), then
    /// directory metadata, children first.
    private func finish(_ plan: RestorePlan, files: RestoreFiles, directories: RestoreDirectories, tally: RestoreTally) {
        for link in plan.hardLinks {
            do throws(FileSystemError) {
                try directories.directory(link.directory).makeHardLink(link.name, to: link.target)
                if let target = link.targetFile, files.failed(target) {
                    tally.problem("\(link.path): a hard link to /\(link.target), which is incomplete")
                    tally.fileFailed()
                }
            } catch {
                tally.problem("\(link.path): \(error)")
                tally.fileFailed()
            }
        }
        // Children come just before their parent: each is opened as `..` of the one before.
        var previous: Int32?
        for directory in plan.directories {
            defer { previous = directory.number }
            do throws(FileSystemError) {
                let opened = if let previous {
                    try directories.directory(directory.number, below: previous)
                } else {
                    try directories.directory(directory.number)
                }
                for problem in try opened.applyMetadata(directory.metadata) {
                    tally.problem("\(directories.snapshotPath(directory.number)): \(problem)")
                }
            } catch {
                tally.problem("\(directories.snapshotPath(directory.number)): \(error)")
            }
        }
    }
}
