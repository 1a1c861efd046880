import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Testing

/// Resuming an interrupted upload (docs/design.md): packs a failed snapshot stored but did
/// not index are adopted by the next snapshot, which then stores none of their data again.
@Suite struct ResumedUploadTests {
    typealias Files = PruneFixtures.Files

    /// About 5 MB of random files and some text: with 1 MiB packs, several data packs.
    static func files(seed: UInt64) -> Files {
        var generator = PruneFixtures.Generator(seed: seed)
        var files = Files()
        for i in 0..<8 { files["media/clip-\(i).bin"] = PruneFixtures.random(600_000, &generator) }
        for i in 0..<5 { files["docs/note-\(i).txt"] = PruneFixtures.text(20_000 + 5_000 * i, &generator) }
        return files
    }

    /// Writes `files` under the world's directory and snapshots them through a repository
    /// on `backend` that fails every index write: the snapshot fails after storing every
    /// pack, none of them indexed (as a snapshot killed before its index write leaves them).
    static func interruptedSnapshot(_ world: PruneFixtures.World, _ files: Files) throws -> String {
        let source = "\(world.directory)/src"
        try PruneFixtures.write(files, to: source)
        let failing = IndexWriteFailingBackend(world.backend)
        #expect(throws: BackendError.self) { try snapshot(source, with: try world.reopen(backend: failing)) }
        #expect(try world.backend.list(.index).isEmpty)
        #expect(try world.backend.list(.snapshots).isEmpty)
        #expect(try world.backend.list(.dataPack).count >= 4)
        return source
    }

    static func snapshot(_ source: String, with repository: Repository) throws -> (StoredSnapshot, AdoptedPacks) {
        var options = SnapshotOptions()
        options.jobs = 1
        let archiver = Archiver(repository: repository, options: options)
        let stored = try archiver.snapshot(paths: [source])
        return (stored, archiver.adopted)
    }

    static func dataPacks(_ world: PruneFixtures.World) throws -> Set<ObjectName> {
        Set(try world.backend.list(.dataPack).map(\.name))
    }

    static func expectRestores(_ stored: StoredSnapshot, _ files: Files, _ world: PruneFixtures.World,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let target = "\(world.directory)/restore-\(stored.shortID)"
        defer { FormatFixtures.removeDirectory(target) }
        let summary = try Restorer(repository: try world.reopen(), options: RestoreOptions()).restore(stored, to: target)
        #expect(summary.problems.isEmpty, "\(summary.problems)", sourceLocation: sourceLocation)
        PruneFixtures.expectSame(try PruneFixtures.readTree(target + stored.snapshot.paths[0]), files,
                                 what: "snapshot \(stored.shortID)", sourceLocation: sourceLocation)
    }

    @Test func theNextSnapshotAdoptsUnindexedPacksAndStoresNothingAgain() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let files = Self.files(seed: 160)
        let source = try Self.interruptedSnapshot(world, files)
        let orphans = try PruneFixtures.packs(world.backend)

        let (stored, adopted) = try Self.snapshot(source, with: try world.reopen())
        #expect(adopted.packs == orphans.count && adopted.skipped == 0)
        #expect(adopted.bytes == UInt64(orphans.reduce(0) { $0 + $1.size }))
        // Every data blob was there already; what is new is at most a tree blob or two (the
        // metadata of the source's parent directories, which parallel tests touch).
        #expect(stored.snapshot.summary.bytesAdded < 50_000, "\(stored.snapshot.summary)")
        #expect(Set(try Self.dataPacks(world)) == Set(orphans.filter { $0.name.kind == .dataPack }.map(\.name)))

        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
        try Self.expectRestores(stored, files, world)
        // The adoption was written down: a later snapshot adopts nothing.
        #expect(try Self.snapshot(source, with: try world.reopen()).1 == AdoptedPacks())
    }

    @Test func aDamagedUnindexedPackIsNotAdoptedAndItsDataIsStoredAgain() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let files = Self.files(seed: 161)
        let source = try Self.interruptedSnapshot(world, files)
        let orphans = try world.backend.list(.dataPack)
        let orphanCount = try PruneFixtures.packs(world.backend).count
        // A byte of the damaged pack's sealed header flipped: the header no longer opens.
        let damaged = orphans[0]
        var bytes = try world.backend.read(damaged.name)
        bytes[bytes.count - 10] ^= 0x40
        try world.backend.delete(damaged.name)
        try world.backend.write(damaged.name, bytes)

        let (stored, adopted) = try Self.snapshot(source, with: try world.reopen())
        #expect(adopted.skipped == 1 && adopted.packs == orphanCount - 1)
        #expect(stored.snapshot.summary.bytesAdded > 0)
        let fresh = try world.reopen()
        #expect(fresh.withIndex { $0.pack(Digest256(hex: damaged.name.id)!) } == nil, "a damaged pack was indexed")
        #expect(try world.backend.stat(damaged.name) != nil, "left for prune or repair")
        try Self.expectRestores(stored, files, world)
        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
    }

    @Test func anAdoptedPackSurvivesPrune() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let files = Self.files(seed: 162)
        let source = try Self.interruptedSnapshot(world, files)
        let orphans = Set(try PruneFixtures.packs(world.backend).map(\.name))
        let dataOrphans = try Self.dataPacks(world)
        let (stored, adopted) = try Self.snapshot(source, with: try world.reopen())
        #expect(adopted.packs == orphans.count)

        let report = try PruneFixtures.prune(try world.reopen())
        // (A tree pack may be repacked: the source's parent directories change under parallel tests.)
        #expect(report.unindexedPacks == 0 && report.condemnedPacks == 0)
        #expect(try Self.dataPacks(world) == dataOrphans)
        let check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean && check.notes.isEmpty, "\(check.problems) \(check.notes)")
        try Self.expectRestores(stored, files, world)
    }

    @Test func twoSnapshotsAdoptingTheSamePacksAtOnceAreFine() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let files = Self.files(seed: 163)
        let source = try Self.interruptedSnapshot(world, files)
        let orphans = Set(try PruneFixtures.packs(world.backend).map(\.name))
        let dataOrphans = try Self.dataPacks(world)
        // Both opened (index loaded) before either adopts, as two hosts starting together.
        let first = try world.reopen(), second = try world.reopen()
        let (one, adoptedOne) = try Self.snapshot(source, with: first)
        let (two, adoptedTwo) = try Self.snapshot(source, with: second)
        // The second also adopts what the first stored (a tree pack, when the source's
        // parent directories changed), which it has never seen indexed.
        #expect(adoptedOne.packs == orphans.count && adoptedTwo.packs >= orphans.count, "\(adoptedOne) \(adoptedTwo)")
        #expect(one.snapshot.summary.bytesAdded < 50_000 && two.snapshot.summary.bytesAdded < 50_000)
        #expect(try Self.dataPacks(world) == dataOrphans)
        // Each pack is listed by two index objects: one pack, no second copy.
        #expect(try world.backend.list(.index).count >= 2)
        #expect(try world.reopen().withIndex { $0.duplicates.isEmpty })

        var check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean && check.notes.isEmpty, "\(check.problems) \(check.notes)")
        try world.repository.forget([one])
        let report = try PruneFixtures.prune(try world.reopen())
        _ = report
        #expect(try Self.dataPacks(world) == dataOrphans)
        check = try PruneFixtures.fullCheck(world)
        #expect(check.isClean, "\(check.problems)")
        try Self.expectRestores(two, files, world)
    }

    @Test func aCondemnedUnindexedPackIsNotAdopted() throws {
        let world = try PruneFixtures.World()
        defer { world.remove() }
        let files = Self.files(seed: 164)
        let source = try Self.interruptedSnapshot(world, files)
        // A prune that defers (another host's lock) condemns the unindexed packs.
        let pruning = try world.reopen()
        let lock = try RepositoryLock.acquire(pruning, exclusive: true, operation: "prune")
        let foreign = try PruneFixtures.plantForeignLock(pruning)
        let report = try Pruner(repository: pruning, options: PruneOptions()).run(lock: lock)
        lock.release()
        try world.backend.delete(foreign)
        #expect(report.condemnedPacks > 0 && report.deletedPacks == 0)

        let (stored, adopted) = try Self.snapshot(source, with: try world.reopen())
        #expect(adopted == AdoptedPacks())
        #expect(stored.snapshot.summary.bytesAdded > 0)
        try Self.expectRestores(stored, files, world)
    }
}

/// A backend whose index writes fail: a snapshot through it stores its packs and then fails.
final class IndexWriteFailingBackend: Backend, @unchecked Sendable {
    let base: any Backend

    init(_ base: any Backend) { self.base = base }

    var location: String { base.location }
    func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo] { try base.list(kind) }
    func read(_ name: ObjectName) throws(BackendError) -> [UInt8] { try base.read(name) }
    func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8] { try base.read(name, range: range) }
    func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo? { try base.stat(name) }
    func delete(_ name: ObjectName) throws(BackendError) { try base.delete(name) }

    func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        if name.kind == .index { throw .service("injected failure: write \(name.path)") }
        try base.write(name, bytes)
    }

    func removeIncompleteWrites(of kinds: Set<ObjectKind>, olderThan seconds: Double) throws(BackendError) -> Int {
        try base.removeIncompleteWrites(of: kinds, olderThan: seconds)
    }
}
