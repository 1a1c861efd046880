import Crypto
import Foundation
import Posix
import Workers

/// Takes snapshots: walks the given paths, stores what is new, and writes the snapshot.
///
/// The walk runs on the calling thread, which also reads and chunks files and names
/// chunks; the blob sink's workers compress, seal and store in parallel. Each directory's
/// tree is built when the walk leaves it, so memory holds one path of open directories,
/// never the whole tree.
public final class Archiver {
    private let repository: Repository
    private let options: SnapshotOptions
    private let progress: (@Sendable (SnapshotProgress) -> Void)?
    private var state = SnapshotProgress()
    private var summary = Snapshot.Summary()
    private var problems: [String] = []
    private var lastReport = Date.distantPast
    private let start = Date()

    private let beforeCommit: () throws -> Void
    /// The packs of an interrupted snapshot this one took over before it started.
    public private(set) var adopted = AdoptedPacks()
    /// Whether the parent snapshot may refer to blobs the index no longer lists: packs
    /// found missing, or condemned by a prune. Only then does an unchanged file's content
    /// need looking up blob by blob (docs/design.md, "Reuse only what is stored").
    private var parentBlobsMayBeGone = true
    /// Recorded in the snapshot: a PostgreSQL base backup's positions, set by whoever
    /// learns them (once its command has ended) before the snapshot is saved.
    public var postgres: PostgresBaseBackup?

    /// `beforeCommit` runs just before the snapshot object is written, after all its data
    /// is stored; the command passes its lock's `ensureHeld`, so that a snapshot whose lock
    /// was lost (and which a prune may therefore have overtaken) is never written.
    public init(repository: Repository, options: SnapshotOptions, progress: (@Sendable (SnapshotProgress) -> Void)? = nil,
                beforeCommit: @escaping () throws -> Void = {}) {
        self.repository = repository
        self.options = options
        self.progress = progress
        self.beforeCommit = beforeCommit
    }

    // MARK: Paths

    /// Backs up `paths` (made absolute; the snapshot keeps the full path from `/`).
    public func snapshot(paths: [String]) throws -> StoredSnapshot {
        guard !paths.isEmpty else { throw SnapshotError.noPaths }
        let roots = paths.map(Self.absolute)
        let parent = try findParent(paths: roots.map { $0.description })
        let prepared = try repository.prepareForNewBlobs(cancellation: options.cancellation)
        adopted = prepared.adopted
        parentBlobsMayBeGone = !prepared.missing.isEmpty || repository.hasCondemnedBlobs
        let sink = BlobSink(repository: repository, workers: options.jobs)
        // The totals are for a progress display only; without one, a second walk of the
        // whole tree would be wasted (wall time on a busy machine).
        let scanner = progress == nil ? nil : SizeScanner(roots: roots, rules: options.rules)
        scanner?.start()
        defer { scanner?.stop() }

        do {
            let reader = try ContentReader(repository: repository, sink: sink, cancellation: options.cancellation)
            var builder = try TreeBuilder(repository: repository, reader: reader, parent: parent?.snapshot.tree,
                                          ignoreParent: options.ignoreParent)
            let walker = TreeWalker(rules: options.rules, readXattrs: options.readXattrs)
            // An entry whose status matches the parent's keeps the parent's attributes
            // (setting or removing one changes the ctime) rather than listing them again.
            try walker.walk(roots, known: { path, metadata in builder.unchangedAttributes(at: path, metadata) }) { (event: WalkEvent) throws in
                try handle(event, builder: &builder, reader: reader, sink: sink, scanner: scanner)
            }
            let root = try builder.finishRoot()
            try reader.flush()
            try sink.finish()
            return try save(root: root, paths: roots.map { $0.description }, parent: parent?.id, sink: sink)
        } catch {
            throw stopped(error, sink: sink)
        }
    }

    /// After `error` ended a snapshot: the packs stored so far are finished and indexed, so
    /// the next snapshot reuses them (prune removes them if none does). A stop asked for
    /// says so in the user's terms.
    private func stopped(_ error: Error, sink: BlobSink) -> Error {
        let indexed = (try? sink.finish()) != nil
        guard let stop = error as? Cancelled else { return error }
        let kept = indexed && sink.bytesAdded > 0
            ? "\(ByteCount.text(sink.bytesAdded)) of new data already stored is kept, and the next snapshot reuses it"
            : "nothing else was stored"
        return stop.saying("no snapshot was saved; \(kept)")
    }

    private func handle(_ event: WalkEvent, builder: inout TreeBuilder, reader: ContentReader, sink: BlobSink,
                        scanner: SizeScanner?) throws {
        if let error = sink.error { throw error }
        try options.cancellation.check()
        switch event {
        case .enter(let path, let metadata):
            try builder.enter(path, metadata)
        case .leave(let path, _):
            try builder.leave(path)
            summary.directories += 1
            state.directories += 1
        case .entry(let path, let metadata):
            var node = Node(name: path.name, metadata: metadata)
            if metadata.type == .file {
                guard let outcome = try backUpFile(path, &node, builder: &builder, reader: reader) else { return }
                switch outcome {
                case .new: summary.filesNew += 1
                case .changed: summary.filesChanged += 1
                case .unchanged: summary.filesUnchanged += 1
                }
                summary.bytesTotal += metadata.size
                state.files += 1
            }
            try builder.add(node, at: path)
        case .problem(let path, let error):
            problems.append("\(path): \(error)")
        }
        report(scanner: scanner, at: event.path)
    }

    private enum FileOutcome { case new, changed, unchanged }

    /// Fills `node.content`; nil when the file could not be read (reported as a problem).
    private func backUpFile(_ path: FilePath, _ node: inout Node, builder: inout TreeBuilder, reader: ContentReader) throws -> FileOutcome? {
        let previous = builder.parentNode(for: path)
        if let previous, previous.type == .file, previous.size == node.size, previous.mtime == node.mtime,
           previous.ctime == node.ctime, previous.inode == node.inode, !options.ignoreParent,
           !parentBlobsMayBeGone || previous.content.allSatisfy({ piece in
               if case .blob(let id) = piece { return repository.contains(id) }
               return true
           }) {
            node.content = previous.content
            state.bytesDone += node.size
            return .unchanged
        }
        if node.linkCount > 1, let content = builder.hardLinkContent(device: node.device, inode: node.inode) {
            node.content = content
            return previous == nil ? .new : .changed
        }
        let file: FileDescriptor
        do throws(Errno) {
            file = try openFile(path)
        } catch {
            problems.append("\(path): cannot open: \(error)")
            return nil
        }
        defer { try? file.close() }
        do {
            var regions: [Range<UInt64>]?
            let status = try? file.status()
            if let status, UInt64(status.st_blocks) * 512 < UInt64(status.st_size) {
                regions = try dataRegions(file, size: UInt64(status.st_size), path: path.description)
            }
            let before = reader.bytesRead
            node.content = try reader.read(file, expectedSize: node.size, size: regions == nil ? nil : status.map { UInt64($0.st_size) },
                                           regions: regions)
            let read = reader.bytesRead - before
            summary.bytesRead += read
            state.bytesDone += read
            let length = read + node.content.reduce(0) { total, piece in
                if case .hole(let length) = piece { return total + length }
                return total
            }
            // What was read is stored, at the length read (the file may have changed since
            // the walk listed it).
            node.size = length
            let after = try? file.status()
            if ReadStamp.changed(before: status.map(ReadStamp.init), after: after.map(ReadStamp.init), length: length) {
                // It may mix two versions of the file, or stop short: the snapshot is partial.
                problems.append("\(path): changed while it was read")
            }
        } catch let error as SnapshotError {
            if case .read(let code) = error {
                problems.append("\(path): read failed: \(Errno.message(code))")
                return nil
            }
            throw error
        } catch let error as FileSystemError {
            problems.append("\(path): \(error)")
            return nil
        }
        if node.linkCount > 1 { builder.rememberHardLink(device: node.device, inode: node.inode, content: node.content) }
        return previous == nil ? .new : .changed
    }

    private func openFile(_ path: FilePath) throws(Errno) -> FileDescriptor {
        // O_NOATIME (Linux: 0o1000000) spares the disk an inode write per file, but only
        // the owner (or root) may ask for it. A path longer than PATH_MAX (a deep tree) is
        // opened a directory at a time.
        do throws(Errno) {
            return try FileDescriptor.workingDirectory.openEntry(longPath: path.bytes, flags: O_RDONLY | O_NOFOLLOW | 0o1000000)
        } catch where error == Errno(EPERM) {
            return try FileDescriptor.workingDirectory.openEntry(longPath: path.bytes, flags: O_RDONLY | O_NOFOLLOW)
        }
    }

    // MARK: Streams

    /// Backs up one stream (standard input, or a command's output) as a file `name`.
    /// `beforeSave` runs once the stream has ended and its data is stored; if it throws
    /// (the command that produced the stream failed), no snapshot is written.
    public func snapshot(stream fd: Int32, name: String, beforeSave: () throws -> Void = {}) throws -> StoredSnapshot {
        adopted = try repository.prepareForNewBlobs(cancellation: options.cancellation).adopted
        let sink = BlobSink(repository: repository, workers: options.jobs)
        do {
            let reader = try ContentReader(repository: repository, sink: sink, cancellation: options.cancellation)
            var builder = try TreeBuilder(repository: repository, reader: reader, parent: nil, ignoreParent: true)
            let now = Timestamp(Date())
            let metadata = FileMetadata(type: .file, mode: 0o600, uid: getuid(), gid: getgid(), user: Host.user,
                                        mtime: now, ctime: now, size: 0)
            // A name with a slash is the stream's whole path in the snapshot (jobs store
            // dumps at /databases/KIND/NAME.sql); a plain name goes under `/`.
            let path = name.hasPrefix("/") ? Self.absolute(name) : FilePath(bytes: [UInt8(ascii: "/")] + FilePath(bytes: Array(name.utf8)).name)
            var node = Node(name: path.name, metadata: metadata)
            node.content = try reader.read(FileDescriptor(rawValue: fd), expectedSize: nil)
            node.size = reader.bytesRead
            summary.bytesRead = reader.bytesRead
            summary.bytesTotal = reader.bytesRead
            summary.filesNew = 1
            state.bytesDone = reader.bytesRead
            try builder.add(node, at: path)
            let root = try builder.finishRoot()
            try reader.flush()
            try sink.finish()
            try beforeSave()
            return try save(root: root, paths: [String(decoding: path.bytes, as: UTF8.self)], parent: nil, sink: sink)
        } catch {
            throw stopped(error, sink: sink)
        }
    }

    // MARK: Finishing

    private func save(root: Digest256, paths: [String], parent: String?, sink: BlobSink) throws -> StoredSnapshot {
        summary.blobsAdded = sink.blobsAdded
        summary.bytesAdded = sink.bytesAdded
        summary.durationSeconds = Date().timeIntervalSince(start)
        try beforeCommit()
        var snapshot = Snapshot(time: options.time ?? start, host: options.host ?? Host.name, user: Host.user,
                                uid: getuid(), gid: getgid(), paths: paths, tags: options.tags, tree: root,
                                parent: parent, problems: problems, summary: summary)
        snapshot.postgres = postgres
        return try repository.saveSnapshot(snapshot)
    }

    private func findParent(paths: [String]) throws -> StoredSnapshot? {
        if options.ignoreParent { return nil }
        if let parent = options.parent { return try repository.findSnapshot(parent) }
        let host = options.host ?? Host.name
        return try repository.snapshotListing().snapshots.last { $0.snapshot.host == host && Set($0.snapshot.paths) == Set(paths) }
    }

    /// Reports progress at most every 0.1 s; `path` becomes text only then (a deep tree's
    /// paths are long, and there is one an entry).
    private func report(scanner: SizeScanner?, at path: FilePath) {
        guard let progress, let scanner else { return }
        let now = Date()
        guard now.timeIntervalSince(lastReport) >= 0.1 else { return }
        lastReport = now
        state.currentPath = path.description
        (state.filesTotal, state.bytesTotal, state.scanComplete) = scanner.totals
        state.elapsedSeconds = now.timeIntervalSince(start)
        progress(state)
    }

    /// `path` made absolute against the working directory, with `.` and `..` resolved
    /// lexically and no trailing slash.
    public static func absolute(_ path: String) -> FilePath {
        var components: [Substring] = []
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        for part in full.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                _ = components.popLast()
                continue
            }
            components.append(part)
        }
        return FilePath("/" + components.joined(separator: "/"))
    }
}

/// What a file's status says of its content. Any change between the start and the end
/// of reading the file means the bytes read may mix two versions of it.
struct ReadStamp: Equatable {
    var size: UInt64
    var mtime: Timestamp
    var ctime: Timestamp

    init(size: UInt64, mtime: Timestamp, ctime: Timestamp) {
        self.size = size
        self.mtime = mtime
        self.ctime = ctime
    }

    init(_ status: stat) {
        self.init(size: UInt64(status.st_size), mtime: Timestamp(status.st_mtim), ctime: Timestamp(status.st_ctim))
    }

    /// Whether a file changed while it was read: its status (`before` the first read,
    /// `after` the last; nil when it could not be taken) differs, or the `length` read
    /// (holes included) is not the size it had.
    static func changed(before: ReadStamp?, after: ReadStamp?, length: UInt64) -> Bool {
        guard let before, let after else { return true }
        return before != after || length != before.size
    }
}

extension WalkEvent {
    var path: FilePath {
        switch self {
        case .enter(let path, _), .leave(let path, _), .entry(let path, _), .problem(let path, _): return path
        }
    }
}

extension Timestamp {
    init(_ date: Date) {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        self.init(seconds: Int64(whole), nanoseconds: UInt32((seconds - whole) * 1e9))
    }
}
