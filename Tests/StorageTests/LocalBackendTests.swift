import Foundation
import Posix
@testable import Storage
import TestSupport
import Testing

/// What the conformance suite cannot see: the directory layout, creation and opening,
/// temporary files, and how system errors are reported.
struct LocalBackendTests {
    let scratch: ScratchDirectory
    let path: String

    init() throws {
        scratch = try ScratchDirectory()
        path = "\(scratch.path)/repo"
    }

    @Test func createRefusesAnExistingRepository() throws {
        _ = try LocalBackend.create(at: path)
        // Until config is written, creating again is allowed: a first attempt may have died.
        let backend = try LocalBackend.create(at: path)
        try backend.write(.config, Array("{}".utf8))
        #expect(throws: BackendError.alreadyExists(location: path)) { try LocalBackend.create(at: path) }
        #expect(throws: BackendError.alreadyExists(location: path)) { try LocalBackend.create(at: path + "/") }
    }

    @Test func createMakesTheLayout() throws {
        _ = try LocalBackend.create(at: "\(path)/nested/deeper")
        for kind in ["keys", "index", "snapshots", "locks"] {
            #expect(isDirectory("\(path)/nested/deeper/\(kind)"), "\(kind)")
        }
        for kind in ["data", "tree"] {
            let shards = try FileManager.default.contentsOfDirectory(atPath: "\(path)/nested/deeper/\(kind)")
            #expect(Set(shards) == Set((0..<256).map { String(format: "%02x", $0) }), "\(kind)")
        }
    }

    @Test func openingRequiresAConfig() throws {
        #expect(throws: BackendError.repositoryNotFound(location: path)) { try LocalBackend(existingAt: path) }
        let backend = try LocalBackend.create(at: path)
        #expect(throws: BackendError.repositoryNotFound(location: path)) { try LocalBackend(existingAt: path) }
        try backend.write(.config, Array("{}".utf8))
        let reopened = try LocalBackend(existingAt: path)
        #expect(try reopened.read(.config) == Array("{}".utf8))
        #expect(reopened.location == path)
    }

    @Test func openingAFileIsRepositoryNotFound() throws {
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(throws: BackendError.repositoryNotFound(location: path)) { try LocalBackend(existingAt: path) }
    }

    @Test func objectsLandAtTheirShardedPaths() throws {
        let backend = try LocalBackend.create(at: path)
        var objects = SeededObjects(seed: 20)
        let data = ObjectName(.dataPack, objects.id(startingWith: "ab"))
        let tree = ObjectName(.treePack, objects.id(startingWith: "00"))
        let index = objects.name(.index)
        for name in [data, tree, index, .config] { try backend.write(name, [1, 2, 3]) }
        #expect(isFile("\(path)/data/ab/\(data.id)"))
        #expect(isFile("\(path)/tree/00/\(tree.id)"))
        #expect(isFile("\(path)/index/\(index.id)"))
        #expect(isFile("\(path)/config"))
        #expect(try temporaryFiles().isEmpty, "a finished write leaves no temporary file")
    }

    @Test func objectFilesArePrivate() throws {
        let backend = try LocalBackend.create(at: path)
        var objects = SeededObjects(seed: 21)
        let name = objects.name(.keys)
        try backend.write(name, [1])
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(path)/\(name.path)")
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
    }

    @Test func strangersAndTemporaryFilesAreNotListed() throws {
        let backend = try LocalBackend.create(at: path)
        var objects = SeededObjects(seed: 22)
        let real = ObjectName(.dataPack, objects.id(startingWith: "ab"))
        try backend.write(real, [7])
        let strangers = [
            "data/ab/.tmp-0123456789abcdef",                     // an interrupted write
            "data/ab/\(objects.id(startingWith: "cd"))",         // in the wrong shard
            "data/ab/notes.txt", "data/README", "index/\(objects.id().uppercased())",
            "index/.tmp-fedcba9876543210", ".tmp-00112233aabbccdd",
        ]
        for stranger in strangers { #expect(FileManager.default.createFile(atPath: "\(path)/\(stranger)", contents: Data([1]))) }
        try FileManager.default.createDirectory(atPath: "\(path)/index/\(objects.id())", withIntermediateDirectories: false)
        #expect(try backend.list(.dataPack) == [ObjectInfo(name: real, size: 1)])
        #expect(try backend.list(.index).isEmpty)
    }

    @Test func staleTemporaryFilesAreRemovedAsIncompleteWrites() throws {
        let backend = try LocalBackend.create(at: path)
        let stale = ["data/ab/.tmp-0000000000000001", "index/.tmp-0000000000000002", ".tmp-0000000000000003"]
        let fresh = "tree/ff/.tmp-0000000000000004"
        let stranger = "data/ab/old-notes.txt"
        let twoHoursAgo = Date(timeIntervalSinceNow: -7200)
        for file in stale + [fresh, stranger] {
            #expect(FileManager.default.createFile(atPath: "\(path)/\(file)", contents: Data([1])))
        }
        for file in stale + [stranger] {
            try FileManager.default.setAttributes([.modificationDate: twoHoursAgo], ofItemAtPath: "\(path)/\(file)")
        }
        #expect(try backend.removeIncompleteWrites(olderThan: 3600) == stale.count)
        #expect(try temporaryFiles() == [fresh])
        #expect(isFile("\(path)/\(stranger)"), "only temporary files are removed")
    }

    @Test func incompleteWritesAreRemovedOnlyForTheKindsAsked() throws {
        let backend = try LocalBackend.create(at: path)
        let lock = "locks/.tmp-0000000000000001"
        let others = ["data/ab/.tmp-0000000000000002", ".tmp-0000000000000003"]
        let aMinuteAgo = Date(timeIntervalSinceNow: -60)
        for file in [lock] + others {
            #expect(FileManager.default.createFile(atPath: "\(path)/\(file)", contents: Data([1])))
            try FileManager.default.setAttributes([.modificationDate: aMinuteAgo], ofItemAtPath: "\(path)/\(file)")
        }
        #expect(try backend.removeIncompleteWrites(of: [.locks], olderThan: 10) == 1)
        #expect(try temporaryFiles().sorted() == others.sorted())
    }

    /// A stream is a temporary file in its kind's directory until the commit moves it into
    /// its shard; one dropped unfinished (a failed snapshot) removes its file; one never
    /// finished (a crash) is what `removeIncompleteWrites` later finds.
    @Test func streamsAreTemporaryFilesUntilCommitted() throws {
        let backend = try LocalBackend.create(at: path)
        var objects = SeededObjects(seed: 26)
        let name = ObjectName(.dataPack, objects.id(startingWith: "c3"))
        var stream = try #require(try backend.makeStream(.dataPack))
        try [UInt8](repeating: 7, count: 100).withUnsafeBytes { try stream.append($0) }
        let pending = try temporaryFiles()
        #expect(pending.count == 1 && pending[0].hasPrefix("data/.tmp-"), "\(pending)")
        try stream.commit(as: name)
        #expect(try temporaryFiles().isEmpty)
        #expect(isFile("\(path)/data/c3/\(name.id)"))

        stream = try #require(try backend.makeStream(.treePack))
        try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try stream.append($0) }
        stream = try #require(try backend.makeStream(.treePack))  // the first is dropped
        #expect(try temporaryFiles().count == 1)
        #expect(throws: BackendError.invalidName(ObjectName(.treePack, "abcd"))) { try stream.commit(as: ObjectName(.treePack, "abcd")) }
        #expect(try temporaryFiles().isEmpty, "a refused commit removes its file")
        #expect(try backend.removeIncompleteWrites(olderThan: 0) == 0)
    }

    /// Each append starts the writeback of what it wrote, so that the sync at commit waits
    /// for the tail only (see `LocalObjectStream`).
    @Test func streamsStartWritebackAsTheyGo() throws {
        let backend = try LocalBackend.create(at: path)
        var objects = SeededObjects(seed: 28)
        let stream = try #require(try backend.makeStream(.dataPack) as? LocalObjectStream)
        let piece = objects.bytes(1 << 20)
        for _ in 0..<3 { try piece.withUnsafeBytes { try stream.append($0) } }
        #expect(stream.writebackStarted == 3 << 20)
        let name = ObjectName(.dataPack, objects.id(startingWith: "7e"))
        try stream.commit(as: name)
        #expect(try backend.read(name) == piece + piece + piece)
    }

    @Test func aStreamIntoAMissingShardRecreatesIt() throws {
        let backend = try LocalBackend.create(at: path)
        var objects = SeededObjects(seed: 27)
        try FileManager.default.removeItem(atPath: "\(path)/data/5a")
        let name = ObjectName(.dataPack, objects.id(startingWith: "5a"))
        let stream = try #require(try backend.makeStream(.dataPack))
        try [UInt8]([1, 2, 3]).withUnsafeBytes { try stream.append($0) }
        try stream.commit(as: name)
        #expect(try backend.read(name) == [1, 2, 3])
    }

    @Test func writingIntoAReadOnlyDirectoryReportsThePath() throws {
        let backend = try LocalBackend.create(at: path)
        var objects = SeededObjects(seed: 23)
        let name = ObjectName(.dataPack, objects.id(startingWith: "ab"))
        #expect(chmod("\(path)/data/ab", 0o555) == 0)
        defer { chmod("\(path)/data/ab", 0o700) }
        // Root ignores permissions: the write runs as nobody then, who may pass through the
        // repository and data/ (made 0700) but not write into data/ab.
        #expect(chmod(path, 0o711) == 0 && chmod("\(path)/data", 0o711) == 0)
        Unprivileged.run {
            #expect(throws: BackendError.io(operation: "write", path: "\(path)/\(name.path)", errno: EACCES)) {
                try backend.write(name, [1])
            }
        }
        #expect(try temporaryFiles().isEmpty)
    }

    @Test func aMissingShardDirectoryIsRecreated() throws {
        let backend = try LocalBackend.create(at: path)
        var objects = SeededObjects(seed: 24)
        try FileManager.default.removeItem(atPath: "\(path)/tree")
        let name = ObjectName(.treePack, objects.id(startingWith: "7e"))
        try backend.write(name, [1, 2])
        #expect(try backend.read(name) == [1, 2])
    }

    @Test func invalidNamesAreRefused() throws {
        let backend = try LocalBackend.create(at: path)
        let escaping = ObjectName(.index, "../../../etc/passwd")
        let shortID = ObjectName(.dataPack, "abcd")
        let configWithID = ObjectName(.config, "00")
        for name in [escaping, shortID, configWithID] {
            #expect(throws: BackendError.invalidName(name)) { try backend.write(name, [1]) }
            #expect(throws: BackendError.invalidName(name)) { try backend.read(name) }
            #expect(throws: BackendError.invalidName(name)) { try backend.stat(name) }
            #expect(throws: BackendError.invalidName(name)) { try backend.delete(name) }
        }
    }

    @Test func aVanishedKindDirectoryIsAnErrorNotAnEmptyList() throws {
        let backend = try LocalBackend.create(at: path)
        try FileManager.default.removeItem(atPath: "\(path)/snapshots")
        #expect(throws: BackendError.io(operation: "list", path: "\(path)/snapshots", errno: ENOENT)) {
            try backend.list(.snapshots)
        }
    }

    @Test func aFullDiskIsNamedInTheError() throws {
        let full = try FileDescriptor.open("/dev/full", flags: O_WRONLY)
        defer { try? full.close() }
        #expect(throws: Errno(ENOSPC)) { try [UInt8](repeating: 0, count: 10).withUnsafeBytes(full.writeAll) }
        let error = BackendError(Errno(ENOSPC), "write", "/srv/repo/data/ab/ab01")
        #expect(error.description == "cannot write /srv/repo/data/ab/ab01: No space left on device")
    }

    /// Every backup starts by listing the packs, so 100,000 of them must list in a moment
    /// (0.4 s in a release build, 0.9 s in a debug one on the development machine). The
    /// test lists a quarter of that, as creating the files costs ten times more than
    /// listing them, against a bound loose enough for a busy CI machine.
    @Test func listingManyObjectsIsFast() throws {
        let backend = try LocalBackend.create(at: path)
        var objects = SeededObjects(seed: 25)
        var expected = Set<ObjectInfo>()
        for _ in 0..<25_000 {
            let name = objects.name(.dataPack)
            let descriptor = open("\(path)/\(name.path)", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
            #expect(descriptor >= 0)
            close(descriptor)
            expected.insert(ObjectInfo(name: name, size: 0))
        }
        let clock = ContinuousClock()
        var listed: [ObjectInfo] = []
        let elapsed = try clock.measure { listed = try backend.list(.dataPack) }
        #expect(Set(listed) == expected)
        #expect(elapsed < .seconds(2.5), "listing 25,000 objects took \(elapsed)")
    }

    private func temporaryFiles() throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: path).filter { $0.split(separator: "/").last?.hasPrefix(".tmp-") == true }
    }

    private func isFile(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && !directory.boolValue
    }

    private func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }
}
