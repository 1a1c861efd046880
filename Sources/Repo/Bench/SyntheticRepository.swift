import Crypto
import Foundation

/// Builds a repository with millions of small blobs, quickly and without a file tree on
/// disk, for measuring what grows with the number of blobs (index, prune). Benchmarks only:
/// `@_spi(Benchmarks) import Repo`.
///
/// Blobs are grouped 500 to a file and 100 files to a directory. Snapshot k of n holds a
/// sliding window of half the directories, starting k/(2n) of the way in, so forgetting the
/// first snapshots leaves whole packs unused and a few partly used.
@_spi(Benchmarks) public enum SyntheticRepository {
    public static let blobsPerFile = 500
    public static let filesPerDirectory = 100

    /// Fills an empty, initialized repository; returns the snapshots in order.
    public static func populate(_ repository: Repository, blobs: Int, snapshots: Int, blobSize: Int = 64,
                                jobs: Int = 2, progress: ((Int) -> Void)? = nil) throws -> [StoredSnapshot] {
        let sink = BlobSink(repository: repository, workers: jobs)
        let now = Timestamp(Date())
        var plaintext = [UInt8](repeating: 0, count: blobSize)
        var generator = SystemRandomNumberGenerator()
        var directories: [Digest256] = []
        var files: [Node] = []
        var content: [ContentPiece] = []
        func store(_ bytes: [UInt8], _ type: BlobType) throws -> Digest256 {
            let id = bytes.withUnsafeBytes { repository.blobID(of: $0) }
            try sink.add(BlobSink.Job(id: id, type: type, plaintext: bytes))
            return id
        }
        func finishDirectory() throws {
            guard !files.isEmpty else { return }
            directories.append(try store(Tree(nodes: files).encoded(), .tree))
            files.removeAll()
        }
        do {
            for number in 0..<blobs {
                for i in stride(from: 0, to: blobSize, by: 8) {
                    withUnsafeBytes(of: generator.next() as UInt64) { word in
                        for j in 0..<min(8, blobSize - i) { plaintext[i + j] = word[j] }
                    }
                }
                content.append(.blob(try store(plaintext, .data)))
                if content.count == blobsPerFile || number == blobs - 1 {
                    var node = Node(name: Array(String(format: "file-%05d", files.count).utf8),
                                    metadata: FileMetadata(type: .file, mode: 0o644, uid: 0, gid: 0, mtime: now, ctime: now,
                                                           size: UInt64(content.count * blobSize)))
                    node.content = content
                    content.removeAll(keepingCapacity: true)
                    files.append(node)
                    if files.count == filesPerDirectory { try finishDirectory() }
                }
                if number % 100_000 == 0 { progress?(number) }
            }
            try finishDirectory()
            var roots: [Digest256] = []
            for k in 0..<snapshots {
                let start = directories.count * k / (2 * max(1, snapshots))
                let window = directories[start..<min(directories.count, start + (directories.count + 1) / 2)]
                let nodes = window.enumerated().map { offset, tree in
                    var node = Node(name: Array(String(format: "dir-%05d", start + offset).utf8),
                                    metadata: FileMetadata(type: .directory, mode: 0o755, uid: 0, gid: 0, mtime: now, ctime: now, size: 0))
                    node.subtree = tree
                    return node
                }
                roots.append(try store(Tree(nodes: nodes).encoded(), .tree))
            }
            try sink.finish()
            return try roots.enumerated().map { k, root in
                try repository.saveSnapshot(Snapshot(time: Date(timeIntervalSinceNow: Double(k - snapshots) * 86400), host: "synthetic",
                                                     user: "bench", uid: 0, gid: 0, paths: ["/synthetic"], tags: [], tree: root,
                                                     parent: nil, problems: [], summary: Snapshot.Summary()))
            }
        } catch {
            _ = try? sink.finish()
            throw error
        }
    }
}
