import Crypto
import Foundation
@testable import Repo
@testable import Storage
import TestSupport
import Testing

/// Helpers shared by the prune tests. Everything lives in this namespace so that nothing
/// clashes with the helpers of other test folders in the same module.
enum PruneFixtures {
    static let password = "correct horse"

    /// A source tree as the tests model it: relative path to contents (regular files only).
    typealias Files = [String: [UInt8]]

    typealias Generator = SeededGenerator

    /// Random bytes: the archiver classifies them as binary (chunks of 256 KiB to 4 MiB).
    static func random(_ count: Int, _ generator: inout Generator) -> [UInt8] { generator.bytes(count) }

    /// Text-like bytes: classified as text (chunks of 16 to 256 KiB in a new repository) and compressed well.
    static func text(_ count: Int, _ generator: inout Generator) -> [UInt8] {
        FormatFixtures.compressible(count, using: &generator)
    }

    // MARK: A repository with its source trees

    /// A repository (pack target 1 MiB, so that a few MB make many packs) in a scratch
    /// directory, with every version of the source trees snapshotted into it remembered, so
    /// that any snapshot can be restored and compared byte for byte.
    final class World: @unchecked Sendable {
        let directory: String
        /// The repository the world was created with (its index is refreshed by prune).
        let repository: Repository
        /// Per snapshot id: the absolute path that was backed up and what it held.
        private(set) var versions: [String: (path: String, files: Files)] = [:]
        private var counter = 0

        init(packTargetSize: Int = 1 << 20) throws {
            directory = try FormatFixtures.makeDirectory()
            var parameters = RepositoryParameters()
            parameters.packTargetSize = packTargetSize
            do {
                (repository, _) = try FormatFixtures.makeRepository(in: directory, password: PruneFixtures.password,
                                                                    parameters: parameters)
            } catch {
                FormatFixtures.removeDirectory(directory)
                throw error
            }
        }

        func remove() { FormatFixtures.removeDirectory(directory) }

        var backend: any Backend { repository.backend }

        private func nextName(_ prefix: String) -> String {
            counter += 1
            return "\(directory)/\(prefix)\(counter)"
        }

        /// Writes `files` to a new source directory and snapshots it through `repository`
        /// (default: the world's own), with one worker so that blobs go into packs in walk
        /// order.
        @discardableResult
        func snapshot(_ files: Files, using repository: Repository? = nil) throws -> StoredSnapshot {
            let path = nextName("src/v")
            try PruneFixtures.write(files, to: path)
            var options = SnapshotOptions()
            options.jobs = 1
            let stored = try Archiver(repository: repository ?? self.repository, options: options).snapshot(paths: [path])
            versions[stored.id] = (path, files)
            return stored
        }

        /// A new instance of the repository, with an index read afresh from storage.
        func reopen(backend: (any Backend)? = nil) throws -> Repository {
            try Repository.open(backend: backend ?? LocalBackend(existingAt: "\(directory)/repo"),
                                password: Array(PruneFixtures.password.utf8), cacheDirectory: nil)
        }

        /// Restores `stored` through `repository` and compares every file with the tree
        /// that was snapshotted.
        func verifyRestore(_ stored: StoredSnapshot, from repository: Repository,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
            guard let version = versions[stored.id] else {
                Issue.record("snapshot \(stored.shortID) was not made by this world", sourceLocation: sourceLocation)
                return
            }
            let target = nextName("restore")
            defer { FormatFixtures.removeDirectory(target) }
            let summary = try Restorer(repository: repository, options: RestoreOptions()).restore(stored, to: target)
            #expect(summary.problems.isEmpty, "\(summary.problems)", sourceLocation: sourceLocation)
            let restored = try PruneFixtures.readTree(target + version.path)
            PruneFixtures.expectSame(restored, version.files, what: "snapshot \(stored.shortID)", sourceLocation: sourceLocation)
        }

        /// Restores every snapshot the repository holds, which must be exactly `expected`.
        func verifyAllRestore(from repository: Repository, expected: [StoredSnapshot],
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
            let present = try repository.snapshots()
            #expect(Set(present.map(\.id)) == Set(expected.map(\.id)), sourceLocation: sourceLocation)
            for stored in present { try verifyRestore(stored, from: repository, sourceLocation: sourceLocation) }
        }
    }

    // MARK: Trees on disk

    static func write(_ files: Files, to root: String) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (relative, contents) in files.sorted(by: { $0.key < $1.key }) {
            let path = "\(root)/\(relative)"
            try manager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents).write(to: URL(fileURLWithPath: path))
        }
    }

    static func readTree(_ root: String) throws -> Files {
        var files = Files()
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        try #require(manager.fileExists(atPath: root, isDirectory: &isDirectory) && isDirectory.boolValue, "\(root) is missing")
        let enumerator = try #require(manager.enumerator(atPath: root))
        while let relative = enumerator.nextObject() as? String {
            let path = "\(root)/\(relative)"
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[relative] = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        return files
    }

    /// Compares two trees without printing megabytes when they differ.
    static func expectSame(_ actual: Files, _ expected: Files, what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let missing = Set(expected.keys).subtracting(actual.keys).sorted()
        let extra = Set(actual.keys).subtracting(expected.keys).sorted()
        let different = expected.keys.filter { actual[$0] != nil && actual[$0] != expected[$0] }.sorted()
        #expect(missing.isEmpty && extra.isEmpty && different.isEmpty,
                "\(what): missing \(missing), extra \(extra), different \(different)", sourceLocation: sourceLocation)
    }

    // MARK: Repository state

    /// Every object but locks, by path, with its size.
    static func objects(_ backend: any Backend) throws -> [String: Int] {
        var all: [String: Int] = [:]
        for kind in ObjectKind.allCases where kind != .locks {
            for info in try backend.list(kind) { all[info.name.path] = info.size }
        }
        return all
    }

    static func packs(_ backend: any Backend) throws -> [ObjectInfo] {
        try backend.list(.dataPack) + backend.list(.treePack)
    }

    static func packBytes(_ backend: any Backend) throws -> Int {
        try packs(backend).reduce(0) { $0 + $1.size }
    }

    static func packIDs(_ backend: any Backend) throws -> Set<String> { Set(try packs(backend).map(\.name.id)) }

    static func condemnedPackIDs(_ repository: Repository) throws -> Set<String> {
        Set(try repository.condemnedLists().flatMap { $0.1.map(\.pack.id.hex) })
    }

    /// `check --read-data` on a freshly opened instance.
    static func fullCheck(_ world: World, backend: (any Backend)? = nil) throws -> CheckReport {
        try Checker(repository: try world.reopen(backend: backend)).run(readData: .all)
    }

    // MARK: Prune

    /// Runs a prune under a freshly taken exclusive lock, released afterwards.
    static func prune(_ repository: Repository, configure: (inout PruneOptions) -> Void = { _ in }) throws -> PruneReport {
        var options = PruneOptions()
        configure(&options)
        let lock = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        defer { lock.release() }
        return try Pruner(repository: repository, options: options).run(lock: lock)
    }

    /// A lock object of a process on another host (which prune cannot tell dead from alive).
    @discardableResult
    static func plantForeignLock(_ repository: Repository, age: TimeInterval = 0, host: String = "otherhost") throws -> ObjectName {
        let record = LockRecord(host: host, pid: 4242, user: "someone", time: Date(timeIntervalSinceNow: -age),
                                exclusive: false, operation: "snapshot")
        return try RepositoryLock.write(record, to: repository)
    }

    /// The id under which `plaintext` is stored.
    static func blobID(_ plaintext: [UInt8], in repository: Repository) -> Digest256 {
        plaintext.withUnsafeBytes { repository.blobID(of: $0) }
    }

    // MARK: Scenarios

    /// Four versions of one tree: files added, removed and modified between them, binary
    /// and text, small and (for these tests) large. `scale` shrinks or grows every size.
    static func evolvingVersions(seed: UInt64, scale: Double = 1) -> [Files] {
        var generator = Generator(seed: seed)
        func size(_ bytes: Int) -> Int { max(1, Int(Double(bytes) * scale)) }
        var v1 = Files()
        for i in 0..<6 { v1["docs/note-\(i).txt"] = text(size(2_000 + 2_000 * i), &generator) }
        v1["media/a.bin"] = random(size(1_200_000), &generator)
        v1["media/b.bin"] = random(size(600_000), &generator)
        v1["logs/big.log"] = text(size(1_000_000), &generator)
        v1["empty"] = []

        var v2 = v1
        v2["media/a.bin"] = nil
        v2["docs/note-2.txt"] = text(size(7_000), &generator)
        v2["media/c.bin"] = random(size(700_000), &generator)
        var log = v2["logs/big.log"]!
        let middle = log.count / 2
        log.replaceSubrange(middle..<middle + log.count / 10, with: text(log.count / 10, &generator))
        v2["logs/big.log"] = log

        var v3 = v2
        v3["logs/big.log"] = nil
        v3["docs/new.txt"] = text(size(9_000), &generator)
        v3["media/b.bin"]! += random(size(200_000), &generator)

        var v4 = v3
        v4["media/d.bin"] = random(size(500_000), &generator)
        v4["docs/note-0.txt"] = nil
        v4["deep/er/still/file.txt"] = text(size(3_000), &generator)
        return [v1, v2, v3, v4]
    }
}

/// A backend that lets a number of mutating calls (writes and deletes) through and then
/// fails every later one, as if the process had been killed there: reads keep working, so
/// the prune runs until its next write.
final class PruneFailingBackend: Backend, @unchecked Sendable {
    let base: any Backend
    private let lock = NSLock()
    private var allowed: Int?
    private(set) var mutations = 0
    private(set) var tripped = false

    init(_ base: any Backend) { self.base = base }

    var location: String { base.location }

    /// From now on, `count` more mutating calls succeed; nil: all do.
    func allow(_ count: Int?) {
        lock.lock()
        defer { lock.unlock() }
        allowed = count
        mutations = 0
        tripped = false
    }

    private func mutate(_ name: ObjectName, _ operation: String) throws(BackendError) {
        lock.lock()
        defer { lock.unlock() }
        if let allowed, mutations >= allowed {
            tripped = true
            // Both kinds of failure a backend reports, so both paths are taken.
            if operation == "write" { throw .io(operation: operation, path: name.path, errno: EIO) }
            throw .service("injected failure: \(operation) \(name.path)")
        }
        mutations += 1
    }

    func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo] { try base.list(kind) }
    func read(_ name: ObjectName) throws(BackendError) -> [UInt8] { try base.read(name) }
    func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8] { try base.read(name, range: range) }
    func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo? { try base.stat(name) }

    func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        try mutate(name, "write")
        try base.write(name, bytes)
    }

    func delete(_ name: ObjectName) throws(BackendError) {
        try mutate(name, "delete")
        try base.delete(name)
    }

    /// When set (before the prune starts), `removeIncompleteWrites` fails with it.
    var incompleteWritesFailure: BackendError?

    /// Passed on uncounted: it removes no object, and a failure of it does not fail a prune.
    func removeIncompleteWrites(of kinds: Set<ObjectKind>, olderThan seconds: Double) throws(BackendError) -> Int {
        if let incompleteWritesFailure { throw incompleteWritesFailure }
        return try base.removeIncompleteWrites(of: kinds, olderThan: seconds)
    }
}
