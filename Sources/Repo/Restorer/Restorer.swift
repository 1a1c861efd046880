import Crypto
import Foundation

/// Recreates a snapshot (or part of it) under a target directory: contents, modes,
/// ownership (as root), times, symlinks, hard links, sparse holes, devices, FIFOs, xattrs.
///
/// Every write goes through `RestoreTarget`, which never follows a symlink inside the
/// target, and every name from the repository has been validated when its tree was
/// decoded, so a hostile repository cannot write outside the target.
public final class Restorer {
    private let repository: Repository
    private let options: RestoreOptions
    private let blobs: BlobReader
    private let hasher: HMACSHA256Hasher
    private var summary = RestoreSummary()
    /// First restored path of each hard-linked inode, relative to the target.
    private var hardLinks: [[UInt64]: FilePath] = [:]
    private let progress: ((RestoreSummary) -> Void)?

    public init(repository: Repository, options: RestoreOptions, progress: ((RestoreSummary) -> Void)? = nil) {
        self.repository = repository
        self.options = options
        self.blobs = BlobReader(repository: repository)
        self.hasher = HMACSHA256Hasher(key: repository.keys.blobIDKey)
        self.progress = progress
    }

    public func restore(_ snapshot: StoredSnapshot, to target: String) throws -> RestoreSummary {
        let root = try RestoreTarget(path: FilePath(target)).root
        try restore(tree: snapshot.snapshot.tree, into: PendingDirectory(root), path: FilePath("/"),
                    included: options.include.isEmpty)
        return summary
    }

    /// A directory that is created only when something is restored into it, so that an
    /// `--include` does not leave empty copies of every directory it passed through.
    private final class PendingDirectory {
        private var directory: RestoreDirectory?
        private let parent: PendingDirectory?
        private let name: [UInt8]

        init(_ directory: RestoreDirectory) {
            self.directory = directory
            parent = nil
            name = []
        }

        init(parent: PendingDirectory, name: [UInt8]) {
            self.parent = parent
            self.name = name
        }

        func get() throws -> RestoreDirectory {
            if let directory { return directory }
            let made = try parent!.get().makeDirectory(name)
            directory = made
            return made
        }
    }

    /// Restores the entries of a tree. `path` is the directory's path in the snapshot
    /// (absolute, as include and exclude patterns see it); `included` says an enclosing
    /// directory matched an include pattern, so everything inside is restored.
    private func restore(tree id: Digest256, into directory: PendingDirectory, path: FilePath, included: Bool) throws {
        let tree = try repository.loadTree(id)
        for node in tree.nodes {
            let childPath = path.appending(node.name)
            let selection = select(childPath, isDirectory: node.type == .directory, included: included)
            if selection == .skip { continue }
            do {
                try restore(node, in: directory, path: childPath, descendOnly: selection == .descend)
            } catch let error as FileSystemError {
                summary.problems.append("\(childPath): \(error)")
            }
            progress?(summary)
        }
    }

    private func restore(_ node: Node, in pending: PendingDirectory, path: FilePath, descendOnly: Bool) throws {
        if node.type == .directory {
            guard let subtree = node.subtree else { throw FormatError.corrupt(path.description, "directory without tree") }
            let child = PendingDirectory(parent: pending, name: node.name)
            if !descendOnly { _ = try child.get() }
            try restore(tree: subtree, into: child, path: path, included: !descendOnly)
            if !descendOnly {
                summary.directories += 1
                note(try child.get().applyMetadata(node.metadata), path)
            }
            return
        }
        let directory = try pending.get()
        switch node.type {
        case .directory:
            break
        case .file:
            try restoreFile(node, in: directory, path: path)
        case .symlink:
            try directory.makeSymlink(node.name, target: node.linkTarget ?? [])
            note(try directory.applyMetadata(node.metadata, toEntry: node.name), path)
            summary.others += 1
        case .fifo, .characterDevice, .blockDevice:
            try directory.makeSpecialFile(node.name, type: node.type, rdev: node.rdev)
            note(try directory.applyMetadata(node.metadata, toEntry: node.name), path)
            summary.others += 1
        case .socket:
            break  // A socket is recreated by the program that listens on it, not by a restore.
        }
    }

    private func restoreFile(_ node: Node, in directory: RestoreDirectory, path: FilePath) throws {
        summary.files += 1
        if node.linkCount > 1 {
            let key = [node.device, node.inode]
            if let first = hardLinks[key] {
                try directory.makeHardLink(node.name, to: first)
                return
            }
            hardLinks[key] = FilePath(bytes: Array(path.bytes.drop { $0 == UInt8(ascii: "/") }))
        }
        if let fd = directory.openExistingFile(node.name), hasContent(node, fd: fd) {
            summary.filesUnchanged += 1
            note(try directory.applyMetadata(node.metadata, toEntry: node.name), path)
            return
        }
        let file = try directory.createFile(node.name)
        var offset: UInt64 = 0
        try blobs.forEachPiece(of: node, blob: { bytes in
            try file.write(bytes, at: offset)
            offset += UInt64(bytes.count)
            summary.bytesWritten += UInt64(bytes.count)
        }, hole: { length in
            offset += length
        })
        try file.setSize(offset)
        note(try file.applyMetadata(node.metadata), path)
        if options.verify {
            guard let fd = directory.openExistingFile(node.name), hasContent(node, fd: fd) else {
                summary.problems.append("\(path): verification failed: the file does not read back as stored")
                return
            }
            summary.filesVerified += 1
        }
    }

    /// Whether the open file `fd` (which this closes) holds exactly `node`'s content: each
    /// blob's range hashes to the blob's id and holes read as zeros. Reading is far cheaper
    /// than fetching, decrypting and writing, so a restore onto an existing tree only
    /// rewrites what differs.
    private func hasContent(_ node: Node, fd: Int32) -> Bool {
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, UInt64(status.st_size) == node.size else { return false }
        var offset: UInt64 = 0
        var buffer = [UInt8]()
        for piece in node.content {
            switch piece {
            case .blob(let id):
                guard let location = repository.location(of: id) else { return false }
                let length = location.plaintextLength
                if buffer.count < length { buffer = [UInt8](repeating: 0, count: length) }
                let read = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(offset)) }
                guard read == length else { return false }
                hasher.update(UnsafeRawBufferPointer(rebasing: buffer.withUnsafeBytes { $0 }[..<length]))
                guard hasher.finalize() == id else { return false }
                offset += UInt64(length)
            case .hole(let length):
                var left = length
                while left > 0 {
                    let step = Int(min(left, 1 << 20))
                    if buffer.count < step { buffer = [UInt8](repeating: 0, count: step) }
                    let read = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, step, off_t(offset)) }
                    guard read == step, buffer[..<step].allSatisfy({ $0 == 0 }) else { return false }
                    offset += UInt64(step)
                    left -= UInt64(step)
                }
            }
        }
        return offset == node.size
    }

    private func note(_ problems: [FileSystemError], _ path: FilePath) {
        for problem in problems { summary.problems.append("\(path): \(problem)") }
    }

    private enum Selection { case restore, descend, skip }

    /// Whether to restore an entry, only pass through it (a directory that may hold
    /// included entries), or skip it.
    private func select(_ path: FilePath, isDirectory: Bool, included: Bool) -> Selection {
        if options.exclude.contains(where: { $0.matches(path, isDirectory: isDirectory) }) { return .skip }
        if included { return .restore }
        if options.include.contains(where: { $0.matches(path, isDirectory: isDirectory) }) { return .restore }
        return isDirectory ? .descend : .skip
    }
}
