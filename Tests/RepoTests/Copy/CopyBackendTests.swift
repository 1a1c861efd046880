import Crypto
import Foundation
@testable import Repo
@testable import Storage
import Synchronization
import Testing

/// A repository in memory that presents itself as an object store does (several uploads at
/// once, tree packs read whole) and counts the requests it gets, so that copies to and
/// from a store other than a local directory can be tested without a server.
final class CopyObjectStore: Backend {
    private let base: MemoryBackend
    private let counters = Mutex((writes: [ObjectKind: Int](), reads: 0))

    init(_ location: String) {
        base = MemoryBackend(location: location, preferredConcurrency: 4, preferredReadSize: 4 << 20)
    }

    var location: String { base.location }
    var preferredConcurrency: Int { base.preferredConcurrency }
    var preferredReadSize: Int { base.preferredReadSize }
    var writes: [ObjectKind: Int] { counters.withLock { $0.writes } }
    var reads: Int { counters.withLock { $0.reads } }

    func resetCounters() { counters.withLock { $0 = ([:], 0) } }

    func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo] { try base.list(kind) }

    func read(_ name: ObjectName) throws(BackendError) -> [UInt8] {
        counters.withLock { $0.reads += 1 }
        return try base.read(name)
    }

    func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8] {
        counters.withLock { $0.reads += 1 }
        return try base.read(name, range: range)
    }

    func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        try base.write(name, bytes)
        counters.withLock { $0.writes[name.kind, default: 0] += 1 }
    }

    func delete(_ name: ObjectName) throws(BackendError) { try base.delete(name) }

    func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo? { try base.stat(name) }
}

@Suite struct CopyBackendTests {
    /// Local → object store → local: the copy of a copy restores byte for byte, both
    /// copies check clean, and a second run to the store writes nothing but its lock.
    @Test func copiesThroughAnObjectStore() throws {
        let world = try CopyFixtures.World()
        defer { world.remove() }
        let first = try world.snapshot(CopyFixtures.files(seed: 20), tags: ["nightly"])

        let store = CopyObjectStore("memory-store")
        let storePassword = Array("store password".utf8)
        _ = try Repository.initialize(backend: store, password: storePassword, scrypt: FormatFixtures.cheapScrypt)
        func openStore() throws -> Repository {
            try Repository.open(backend: store, password: storePassword, cacheDirectory: world.cacheDirectory)
        }

        let up = try Copier(source: world.openSource(), target: openStore()).copy()
        #expect(up.copied == 1 && up.blobsSent > 0)
        let inStore = try #require(try openStore().snapshots().first)
        #expect(inStore.snapshot.copiedFrom == first.id)
        let storeCheck = try Checker(repository: openStore()).run(readData: .all)
        #expect(storeCheck.isClean && storeCheck.notes.isEmpty, "\(storeCheck.problems) \(storeCheck.notes)")

        store.resetCounters()
        let again = try Copier(source: world.openSource(), target: openStore()).copy()
        #expect(again.alreadyCopied == 1 && again.blobsSent == 0)
        #expect(store.writes.filter { $0.key != .locks }.isEmpty, "only the lock is written: \(store.writes)")

        // Store → local: the target of the world gets a copy of the store's copy.
        store.resetCounters()
        let down = try Copier(source: openStore(), target: world.openTarget()).copy()
        #expect(down.copied == 1 && down.blobsSent > 0)
        #expect(store.writes.filter { $0.key != .locks }.isEmpty, "the source is only read")
        let local = try #require(try world.openTarget().snapshots().first)
        #expect(local.snapshot.copiedFrom == inStore.id)
        // A copy of the source's original in the target counts as a copy of its copies: a
        // copy back to the store finds it there.
        let back = try Copier(source: world.openTarget(), target: openStore()).copy()
        #expect(back.alreadyCopied == 1 && back.copied == 0)

        try CopyFixtures.expectSameTree(world.openSource(), first.snapshot.tree, world.openTarget(), local.snapshot.tree,
                                        path: "/", sourceLocation: #_sourceLocation)
        let restoreDirectory = "\(world.directory)/restore-from-store-copy"
        let summary = try Restorer(repository: world.openTarget(), options: RestoreOptions()).restore(local, to: restoreDirectory)
        #expect(summary.problems.isEmpty)
        PruneFixtures.expectSame(try PruneFixtures.readTree(restoreDirectory + world.versions[first.id]!.path),
                                world.versions[first.id]!.files, what: "copy of the copy")
        try world.expectTargetClean()
    }
}
