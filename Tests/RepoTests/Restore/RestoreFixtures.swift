import Crypto
import Foundation
@testable import Repo
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Helpers shared by the restore tests. Everything lives in this namespace so that nothing
/// clashes with the helpers of other test folders in the same module.
enum RestoreFixtures {
    static let password = "correct horse"

    /// A repository with 1 MiB packs (so a few MB make many packs) in a scratch directory.
    final class Scene {
        let directory: String
        let repository: Repository
        private var counter = 0

        init() throws {
            directory = try FormatFixtures.makeDirectory()
            var parameters = RepositoryParameters()
            parameters.packTargetSize = 1 << 20
            do {
                (repository, _) = try FormatFixtures.makeRepository(in: directory, password: password, parameters: parameters)
            } catch {
                FormatFixtures.removeDirectory(directory)
                throw error
            }
        }

        deinit { FormatFixtures.removeDirectory(directory) }

        /// A new path in the scene's directory.
        func path(_ prefix: String) -> String {
            counter += 1
            return "\(directory)/\(prefix)\(counter)"
        }

        /// Snapshots the directory `source` with two workers (blobs of one file land in
        /// packs filled side by side).
        func snapshot(_ source: String) throws -> StoredSnapshot {
            var options = SnapshotOptions()
            options.jobs = 2
            return try Archiver(repository: repository, options: options).snapshot(paths: [source])
        }

        /// Restores `stored` into a new directory with `jobs` workers; returns the summary
        /// and the directory.
        func restore(_ stored: StoredSnapshot, jobs: Int, openFiles: Int = 256, openDirectories: Int = 64,
                     configure: (inout RestoreOptions) -> Void = { _ in }) throws -> (summary: RestoreSummary, target: String) {
            var options = RestoreOptions()
            options.jobs = jobs
            configure(&options)
            let target = path("restore")
            let restorer = Restorer(repository: repository, options: options)
            restorer.openFiles = openFiles
            restorer.openDirectories = openDirectories
            return (try restorer.restore(stored, to: target), target)
        }

        /// The pack file holding `blob`, and the blob's offset and length in it.
        func packFile(of blob: Digest256) throws -> (path: String, offset: Int, length: Int) {
            let location = try #require(repository.location(of: blob))
            let hex = location.pack.hex
            return ("\(directory)/repo/data/\(hex.prefix(2))/\(hex)", location.offset, location.length)
        }
    }

    // MARK: Snapshots built blob by blob

    /// A piece of a synthetic file: one of the scene's blobs (by number), or a hole.
    enum Piece {
        case blob(Int)
        case hole(UInt64)
    }

    struct SyntheticFile {
        var path: String
        var pieces: [Piece]
        var mode: UInt32 = 0o644
        var mtime = Timestamp(seconds: 1_000_000_000, nanoseconds: 0)
    }

    /// Stores `blobs` (each once, through the snapshot pipeline's sink: two workers fill
    /// packs side by side) and a snapshot of `files` made of them, in directories named by
    /// their paths. Gives exact control over which blob goes where, which the chunker does
    /// not.
    /// Blobs numbered in `unstored` are referred to but never stored (missing from the index).
    static func syntheticSnapshot(_ files: [SyntheticFile], blobs: [[UInt8]], unstored: Set<Int> = [], in repository: Repository,
                                  directoryMode: UInt32 = 0o755,
                                  directoryTime: Timestamp = Timestamp(seconds: 900_000_000, nanoseconds: 5)) throws -> StoredSnapshot {
        let sink = BlobSink(repository: repository, workers: 2)
        func store(_ bytes: [UInt8], _ type: BlobType) throws -> Digest256 {
            let id = bytes.withUnsafeBytes { repository.blobID(of: $0) }
            try sink.add(BlobSink.Job(id: id, type: type, plaintext: bytes))
            return id
        }
        let ids = try blobs.enumerated().map { number, bytes in
            unstored.contains(number) ? bytes.withUnsafeBytes { repository.blobID(of: $0) } : try store(bytes, .data)
        }
        func tree(_ prefix: String) throws -> Digest256 {
            var nodes: [Node] = []
            var subdirectories = Set<String>()
            for file in files where file.path.hasPrefix(prefix) {
                let rest = file.path.dropFirst(prefix.count)
                if let slash = rest.firstIndex(of: "/") {
                    subdirectories.insert(String(rest[..<slash]))
                    continue
                }
                var node = Node(name: Array(rest.utf8), metadata: FileMetadata(
                    type: .file, mode: file.mode, uid: 0, gid: 0, mtime: file.mtime, ctime: file.mtime,
                    size: UInt64(expectedContent(file, blobs: blobs).count)))
                node.content = file.pieces.map { (piece: Piece) -> ContentPiece in
                    switch piece {
                    case .blob(let number): .blob(ids[number])
                    case .hole(let length): .hole(length)
                    }
                }
                nodes.append(node)
            }
            for name in subdirectories {
                var node = Node(name: Array(name.utf8), metadata: FileMetadata(
                    type: .directory, mode: directoryMode, uid: 0, gid: 0, mtime: directoryTime, ctime: directoryTime, size: 0))
                node.subtree = try tree(prefix + name + "/")
                nodes.append(node)
            }
            return try store(Tree(nodes: nodes).encoded(), .tree)
        }
        do {
            let root = try tree("")
            try sink.finish()
            return try repository.saveSnapshot(Snapshot(time: Date(), host: "test", user: "test", uid: 0, gid: 0,
                                                        paths: ["/synthetic"], tags: [], tree: root, parent: nil,
                                                        problems: [], summary: Snapshot.Summary()))
        } catch {
            _ = try? sink.finish()
            throw error
        }
    }

    /// The bytes a synthetic file holds (holes as zeros).
    static func expectedContent(_ file: SyntheticFile, blobs: [[UInt8]]) -> [UInt8] {
        file.pieces.flatMap {
            switch $0 {
            case .blob(let number): blobs[number]
            case .hole(let length): [UInt8](repeating: 0, count: Int(length))
            }
        }
    }

    // MARK: Trees on disk

    /// What a test compares of one entry.
    struct Entry: Equatable, CustomStringConvertible {
        var type: mode_t
        var mode: mode_t
        var uid: uid_t
        var mtime: Timestamp
        var size: Int
        var content: [UInt8]?
        var linkTarget: String?

        var description: String {
            "type \(String(type, radix: 8)) mode \(String(mode, radix: 8)) uid \(uid) mtime \(mtime.seconds).\(mtime.nanoseconds) size \(size)"
                + (linkTarget.map { " -> \($0)" } ?? "")
        }
    }

    /// Every entry below `root` (not `root` itself) by relative path, read with plain
    /// system calls; contents of regular files included.
    static func capture(_ root: String) throws -> [String: Entry] {
        var entries: [String: Entry] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: root))
        while let relative = enumerator.nextObject() as? String {
            let path = "\(root)/\(relative)"
            let status = try lstat(path)
            var entry = Entry(type: status.st_mode & S_IFMT, mode: status.st_mode & 0o7777, uid: status.st_uid,
                              mtime: Timestamp(seconds: Int64(status.st_mtim.tv_sec), nanoseconds: UInt32(status.st_mtim.tv_nsec)),
                              size: status.st_mode & S_IFMT == S_IFDIR ? 0 : Int(status.st_size))
            if entry.type == S_IFREG { entry.content = Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
            if entry.type == S_IFLNK { entry.linkTarget = try FileManager.default.destinationOfSymbolicLink(atPath: path) }
            entries[relative] = entry
        }
        return entries
    }

    static func lstat(_ path: String) throws -> stat {
        var status = stat()
        try #require(Glibc.lstat(path, &status) == 0, "lstat \(path): \(String(cString: strerror(errno)))")
        return status
    }

    /// Writes `bytes` at `offset` of the file at `path` (created with `mode` if missing).
    static func write(_ bytes: [UInt8], to path: String, at offset: Int = 0, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
        try #require(fd >= 0, "open \(path): \(String(cString: strerror(errno)))")
        defer { close(fd) }
        try #require(bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) } == bytes.count)
    }

    /// Sets the mode and mtime of `path` (not following a symlink for the time).
    static func setMetadata(_ path: String, mode: mode_t? = nil, mtime: Timestamp) throws {
        if let mode { try #require(chmod(path, mode) == 0) }
        var times = [mtime.systemTime, mtime.systemTime]
        try #require(utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0)
    }

    static func makeDirectories(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Compares two captured trees without printing megabytes when they differ.
    static func expectSame(_ actual: [String: Entry], _ expected: [String: Entry], _ what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        let missing = Set(expected.keys).subtracting(actual.keys).sorted()
        let extra = Set(actual.keys).subtracting(expected.keys).sorted()
        let different = expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }.sorted()
        let shown = different.prefix(10).map { "\($0): \(actual[$0]!) instead of \(expected[$0]!)" }
        #expect(missing.isEmpty && extra.isEmpty && different.isEmpty,
                "\(what): missing \(missing), extra \(extra), different \(shown)", sourceLocation: sourceLocation)
    }
}
