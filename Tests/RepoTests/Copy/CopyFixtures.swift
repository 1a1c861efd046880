import Crypto
import Foundation
@testable import Repo
@testable import Storage
import TestSupport
import Testing

/// Helpers of the copy tests, in their own namespace so that nothing clashes with the
/// helpers of other test folders in the same module.
enum CopyFixtures {
    static let sourcePassword = "source: correct horse"
    static let targetPassword = "target: battery staple"

    /// A source tree as the tests model it: relative path to contents (regular files only).
    typealias Files = [String: [UInt8]]

    /// Two repositories with different passwords, keys and parameters, a local cache for
    /// both, and the source trees snapshotted into the source.
    final class World: @unchecked Sendable {
        let directory: String
        var sourceLocation: String { "\(directory)/source" }
        var targetLocation: String { "\(directory)/target" }
        var cacheDirectory: String { "\(directory)/cache" }
        /// Per source snapshot id: the absolute path that was backed up and what it held.
        private(set) var versions: [String: (path: String, files: Files)] = [:]
        private var counter = 0
        private(set) var source: Repository!

        init() throws {
            directory = try FormatFixtures.makeDirectory()
            do {
                var sourceParameters = RepositoryParameters()
                sourceParameters.packTargetSize = 1 << 20
                source = try Repository.initialize(backend: try LocalBackend.create(at: sourceLocation),
                                                   password: Array(sourcePassword.utf8), parameters: sourceParameters,
                                                   scrypt: FormatFixtures.cheapScrypt)
                var targetParameters = RepositoryParameters()
                targetParameters.packTargetSize = 2 << 20
                targetParameters.compressionLevel = 6
                _ = try Repository.initialize(backend: try LocalBackend.create(at: targetLocation),
                                              password: Array(targetPassword.utf8), parameters: targetParameters,
                                              scrypt: FormatFixtures.cheapScrypt)
            } catch {
                FormatFixtures.removeDirectory(directory)
                throw error
            }
        }

        func remove() { FormatFixtures.removeDirectory(directory) }

        private func nextName(_ prefix: String) -> String {
            counter += 1
            return "\(directory)/\(prefix)\(counter)"
        }

        /// Writes `files` (plus a symlink and an empty directory) to `path` (default: a new
        /// directory) and snapshots it into the source.
        @discardableResult
        func snapshot(_ files: Files, at path: String? = nil, tags: [String] = []) throws -> StoredSnapshot {
            let path = path ?? nextName("trees/v")
            try PruneFixtures.write(files, to: path)
            if !FileManager.default.fileExists(atPath: "\(path)/empty") {
                try FileManager.default.createDirectory(atPath: "\(path)/empty", withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(atPath: "\(path)/link", withDestinationPath: "some/where")
            }
            var options = SnapshotOptions()
            options.jobs = 1
            options.tags = tags
            options.host = "copy-test-host"
            let stored = try Archiver(repository: openSource(), options: options).snapshot(paths: [path])
            versions[stored.id] = (path, files)
            return stored
        }

        /// A fresh instance of the source (index read afresh), as a new process would open it.
        func openSource(cache: Bool = true) throws -> Repository {
            try Repository.open(backend: LocalBackend(existingAt: sourceLocation), password: Array(sourcePassword.utf8),
                                cacheDirectory: cache ? cacheDirectory : nil)
        }

        func openTarget(cache: Bool = true) throws -> Repository {
            try Repository.open(backend: LocalBackend(existingAt: targetLocation), password: Array(targetPassword.utf8),
                                cacheDirectory: cache ? cacheDirectory : nil)
        }

        /// One copy run, on fresh instances of both repositories, as `repo copy` does it.
        func copy(_ specs: [String] = [], filter: SnapshotFilter = .init(), cache: Bool = true,
                  beforeCommit: @escaping () throws -> Void = {}) throws -> CopySummary {
            var options = CopyOptions()
            options.jobs = 2
            return try Copier(source: openSource(cache: cache), target: openTarget(cache: cache), options: options,
                              beforeCommit: beforeCommit).copy(specs, filter: filter)
        }

        func deleteCache() throws {
            try FileManager.default.removeItem(atPath: cacheDirectory)
        }

        /// Every object of the target but locks, by path, with its size.
        func targetObjects() throws -> [String: Int] {
            let backend = try LocalBackend(existingAt: targetLocation)
            var all: [String: Int] = [:]
            for kind in ObjectKind.allCases where kind != .locks {
                for info in try backend.list(kind) { all[info.name.path] = info.size }
            }
            return all
        }

        /// The target snapshot that is the copy of `source`.
        func copy(of source: StoredSnapshot, sourceLocation: SourceLocation = #_sourceLocation) throws -> StoredSnapshot? {
            let copies = try openTarget().snapshots().filter { $0.snapshot.copiedFrom == source.id }
            #expect(copies.count <= 1, "\(copies.count) copies of \(source.shortID)", sourceLocation: sourceLocation)
            return copies.first
        }

        /// Checks that `copy` is a faithful copy of `original`: the same metadata, every tree
        /// node equal but for blob ids, every blob the same plaintext; and that it restores
        /// byte for byte to the tree that was snapshotted.
        func verifyCopy(_ copy: StoredSnapshot, of original: StoredSnapshot,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
            let source = try openSource(), target = try openTarget()
            // As stored: the in-memory snapshot of the archiver has a finer time than JSON keeps.
            var expected = try source.loadSnapshot(id: original.id).snapshot
            expected.tree = copy.snapshot.tree
            expected.parent = copy.snapshot.parent
            expected.copiedFrom = original.id
            #expect(copy.snapshot == expected, "metadata of \(copy.shortID) differs from \(original.shortID)",
                    sourceLocation: sourceLocation)
            #expect(copy.snapshot.tree != original.snapshot.tree, "ids are keyed: the target's root must differ",
                    sourceLocation: sourceLocation)
            try CopyFixtures.expectSameTree(source, original.snapshot.tree, target, copy.snapshot.tree, path: "/",
                                            sourceLocation: sourceLocation)

            guard let version = versions[original.id] else {
                Issue.record("snapshot \(original.shortID) was not made by this world", sourceLocation: sourceLocation)
                return
            }
            let restoreDirectory = nextName("restore")
            defer { FormatFixtures.removeDirectory(restoreDirectory) }
            let summary = try Restorer(repository: target, options: RestoreOptions()).restore(copy, to: restoreDirectory)
            #expect(summary.problems.isEmpty, "\(summary.problems)", sourceLocation: sourceLocation)
            let restored = try PruneFixtures.readTree(restoreDirectory + version.path)
            PruneFixtures.expectSame(restored, version.files, what: "copy \(copy.shortID)", sourceLocation: sourceLocation)
            let link = try? FileManager.default.destinationOfSymbolicLink(atPath: restoreDirectory + version.path + "/link")
            #expect(link == "some/where", sourceLocation: sourceLocation)
        }

        /// `check --read-data` of the target.
        func expectTargetClean(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let report = try Checker(repository: openTarget(cache: false)).run(readData: .all)
            #expect(report.isClean, "\(report.problems)", sourceLocation: sourceLocation)
            #expect(report.notes.isEmpty, "\(report.notes)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Trees

    /// Walks the two trees side by side.
    static func expectSameTree(_ sourceRepository: Repository, _ sourceTree: Digest256, _ targetRepository: Repository,
                               _ targetTree: Digest256, path: String, sourceLocation: SourceLocation) throws {
        let a = try sourceRepository.loadTree(sourceTree), b = try targetRepository.loadTree(targetTree)
        #expect(a.nodes.map(\.name) == b.nodes.map(\.name), "entries of \(path)", sourceLocation: sourceLocation)
        for (x, y) in zip(a.nodes, b.nodes) {
            let where_ = path + x.displayName
            #expect(x.metadata == y.metadata, "metadata of \(where_)", sourceLocation: sourceLocation)
            #expect(x.content.count == y.content.count, "pieces of \(where_)", sourceLocation: sourceLocation)
            for (p, q) in zip(x.content, y.content) {
                switch (p, q) {
                case (.hole(let m), .hole(let n)):
                    #expect(m == n, "hole in \(where_)", sourceLocation: sourceLocation)
                case (.blob(let m), .blob(let n)):
                    #expect(m != n, "ids are keyed: \(where_)", sourceLocation: sourceLocation)
                    #expect(try sourceRepository.loadBlob(m) == targetRepository.loadBlob(n), "content of \(where_)",
                            sourceLocation: sourceLocation)
                default:
                    Issue.record("pieces of \(where_) differ in kind", sourceLocation: sourceLocation)
                }
            }
            #expect((x.subtree == nil) == (y.subtree == nil), "subtree of \(where_)", sourceLocation: sourceLocation)
            if let m = x.subtree, let n = y.subtree {
                try expectSameTree(sourceRepository, m, targetRepository, n, path: where_ + "/", sourceLocation: sourceLocation)
            }
        }
    }

    // Trees on disk are written, read and compared with PruneFixtures' helpers.

    // MARK: Data

    /// About 5 MB in 8 files: text-like files (small chunks, compressible) and random ones
    /// (large chunks), in nested directories.
    static func files(seed: UInt64) -> Files {
        var generator = SeededGenerator(seed: seed)
        var files = Files()
        for index in 0..<3 { files["text/t\(index).txt"] = FormatFixtures.compressible(400_000 + index * 50_000, using: &generator) }
        files["text/deeper/notes.txt"] = FormatFixtures.compressible(120_000, using: &generator)
        files["bin/a.bin"] = generator.bytes(1_500_000)
        files["bin/b.bin"] = generator.bytes(2_200_000)
        files["small.txt"] = Array("hello\n".utf8)
        files["zero-length"] = []
        return files
    }
}
