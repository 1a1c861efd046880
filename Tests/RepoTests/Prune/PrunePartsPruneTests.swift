import Crypto
import Foundation
@testable import Repo
import TestSupport
import Testing

/// The liveness bitmap: one bit per index position.
@Suite struct LivenessMapPruneTests {
    @Test(arguments: [1, 63, 64, 65, 128, 130, 1000])
    func insertAndContainsAtTheEdgesOfWords(count: Int) {
        var map = LivenessMap(count: count)
        let positions = Set([0, 63, 64, 127, 128, count - 1].filter { $0 < count })
        for position in 0..<count { #expect(!map.contains(position), "fresh map has bit \(position)") }
        for position in positions.sorted() {
            let first = map.insert(position), second = map.insert(position)
            #expect(first, "first insert of \(position)")
            #expect(!second, "second insert of \(position)")
            #expect(map.contains(position))
        }
        // Exactly those bits, none of their neighbours.
        for position in 0..<count { #expect(map.contains(position) == positions.contains(position), "bit \(position)") }
    }

    @Test func everyBitIndependently() {
        let count = 200
        var generator = SeededGenerator(seed: 11)
        var map = LivenessMap(count: count)
        var expected = Set<Int>()
        for _ in 0..<300 {
            let position = Int(generator.next() % UInt64(count))
            let inserted = map.insert(position), new = expected.insert(position).inserted
            #expect(inserted == new)
        }
        #expect((0..<count).filter { map.contains($0) } == expected.sorted())
        #expect(expected.count > 50 && expected.count < count)
    }

    /// An empty repository's prune: a map over no blobs, planned against an empty index,
    /// keeps, removes and repacks nothing (and nothing on the way reads a bit of it).
    @Test func emptyMap() throws {
        let plan = try PrunePlan(index: BlobIndex(), live: LivenessMap(count: 0), storedSizes: [:], options: PruneOptions())
        #expect(plan.usage.isEmpty)
        #expect(plan.leaving.isEmpty && plan.unused.isEmpty && plan.repack.isEmpty && plan.missing.isEmpty)
    }
}

/// The plaintext of `condemned/<id>` objects.
@Suite struct CondemnedListPruneTests {
    static func pack(_ generator: inout SeededGenerator, type: BlobType, blobs: Int) -> IndexedPack {
        var offset = PackLayout.preambleByteCount
        var entries = [PackEntry]()
        for _ in 0..<blobs {
            let length = Int(generator.next() % 5_000_000) + 29
            entries.append(PackEntry(type: type, id: generator.digest(), offset: offset, length: length,
                                     plaintextLength: Int(generator.next() % 70_000_000)))
            offset += length
        }
        return IndexedPack(id: generator.digest(), type: type, salt: generator.bytes(PackLayout.saltByteCount),
                           size: offset + 100, entries: entries)
    }

    static func sample() -> [CondemnedPack] {
        var generator = SeededGenerator(seed: 21)
        return [
            CondemnedPack(pack: pack(&generator, type: .data, blobs: 5), condemnedAt: 1_700_000_000),
            CondemnedPack(pack: pack(&generator, type: .tree, blobs: 1), condemnedAt: 0),
            CondemnedPack(pack: pack(&generator, type: .data, blobs: 0), condemnedAt: -5),
            CondemnedPack(pack: pack(&generator, type: .data, blobs: 300), condemnedAt: Int64.max),
        ]
    }

    @Test func roundTrip() throws {
        let packs = Self.sample()
        let bytes = CondemnedList.encode(packs)
        #expect(Array(bytes.prefix(4)) == Array("RCND".utf8))
        #expect(bytes[4] == 1)
        #expect(try CondemnedList.decode(bytes, name: "list") == packs)
        #expect(try CondemnedList.decode(CondemnedList.encode([]), name: "empty") == [])
    }

    @Test func rejectsWrongMagic() {
        var bytes = CondemnedList.encode(Self.sample())
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: FormatError.self) { try CondemnedList.decode(bytes, name: "list") }
        // An index object is not a condemned list, although it holds the same pack records.
        let index = IndexObject.encode(Self.sample().map(\.pack))
        #expect(throws: FormatError.self) { try CondemnedList.decode(index, name: "list") }
    }

    @Test func rejectsOtherVersions() {
        for version: UInt8 in [0, 4, 255] {
            var bytes = CondemnedList.encode(Self.sample())
            bytes[4] = version
            #expect(throws: FormatError.unsupportedVersion(object: "list", version: Int(version), supported: 3)) {
                try CondemnedList.decode(bytes, name: "list")
            }
        }
    }

    @Test func rejectsEveryTruncationAndTrailingBytes() {
        let packs = Array(Self.sample().prefix(3))
        let bytes = CondemnedList.encode(packs)
        var accepted: [Int] = []
        for length in 0..<bytes.count {
            do {
                _ = try CondemnedList.decode(Array(bytes[..<length]), name: "list")
                accepted.append(length)
            } catch {
                if !FormatFixtures.isCorrupt(error) { Issue.record("length \(length): \(error)") }
            }
        }
        #expect(accepted.isEmpty, "truncations decoded: \(accepted.prefix(10))")
        #expect(throws: FormatError.self) { try CondemnedList.decode(bytes + [0], name: "list") }
    }

    @Test func sealedAsItsOwnKind() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)
        var writer = CondemnedWriter(repository: repository, time: 1234)
        var generator = SeededGenerator(seed: 5)
        // 64 packs make one list; the 65th starts another.
        let packs = (0..<65).map { _ in Self.pack(&generator, type: .data, blobs: 2) }
        for pack in packs { try writer.add(pack) }
        #expect(writer.written.count == 1)
        try writer.flush()
        #expect(writer.written.count == 2)
        #expect(Set(try backend.list(.condemned).map(\.name)) == Set(writer.written))
        let lists = try repository.condemnedLists()
        #expect(lists.map(\.1.count).sorted() == [1, 64])
        let byID: (CondemnedPack, CondemnedPack) -> Bool = { $0.pack.id.hex < $1.pack.id.hex }
        #expect(lists.flatMap(\.1).sorted(by: byID) == packs.map { CondemnedPack(pack: $0, condemnedAt: 1234) }.sorted(by: byID))
        // Not readable as another kind of object.
        let sealed = try backend.read(writer.written[0])
        #expect(throws: (any Error).self) { try repository.metadata.open(sealed, kind: .index, name: "x") }
    }
}

/// `ensureHeld`, which a snapshot calls before committing.
@Suite struct LockPruneTests {
    @Test func ensureHeldUntilRemovedOrReleased() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, backend) = try FormatFixtures.makeRepository(in: directory)

        let lock = try RepositoryLock.acquire(repository, exclusive: false, operation: "snapshot")
        try lock.ensureHeld()
        try lock.ensureHeld()
        // `unlock --remove-all` from elsewhere.
        #expect(try RepositoryLock.removeLocks(repository, all: true).count == 1)
        #expect(try backend.list(.locks).isEmpty)
        #expect(throws: RepositoryError.self) { try lock.ensureHeld() }
        lock.release()

        let second = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        try second.ensureHeld()
        second.release()
        #expect(try backend.list(.locks).isEmpty)
        #expect(throws: RepositoryError.self) { try second.ensureHeld() }
    }

    /// A process killed while writing its lock leaves a temporary file in `locks/`: unlock
    /// removes it once it is older than any lock write takes, and leaves a fresh one.
    @Test func unlockRemovesLockWritesCutShort() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        let cutShort = "\(directory)/repo/locks/.tmp-00000000000000aa", fresh = "\(directory)/repo/locks/.tmp-00000000000000bb"
        for file in [cutShort, fresh] { #expect(FileManager.default.createFile(atPath: file, contents: Data("{".utf8))) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: cutShort)
        let removed = try RepositoryLock.removeLocks(repository, all: false)
        #expect(removed == ["1 incomplete lock write of killed processes"])
        #expect(!FileManager.default.fileExists(atPath: cutShort))
        #expect(FileManager.default.fileExists(atPath: fresh), "a lock still being written stays")
    }

    @Test func othersPossiblyLive() throws {
        let directory = try FormatFixtures.makeDirectory()
        defer { FormatFixtures.removeDirectory(directory) }
        let (repository, _) = try FormatFixtures.makeRepository(in: directory)
        let lock = try RepositoryLock.acquire(repository, exclusive: true, operation: "prune")
        defer { lock.release() }
        #expect(try lock.othersPossiblyLive().isEmpty, "its own lock does not count")

        // A dead process on this host: certainly gone.
        let dead = try RepositoryLockTests.deadPID()
        _ = try RepositoryLock.write(LockRecord(host: Host.name, pid: dead, user: "u", time: Date(), exclusive: false,
                                                operation: "snapshot"), to: repository)
        #expect(try lock.othersPossiblyLive().isEmpty)
        // Another host, even one silent for a day: may be alive.
        try PruneFixtures.plantForeignLock(repository, age: 86_400)
        let others = try lock.othersPossiblyLive()
        #expect(others.count == 1)
        #expect(others.first?.contains("otherhost") == true)
    }
}
