import Foundation
import Storage
import Synchronization

/// A memory backend with an archive tier, as S3 has one: data packs are written archived
/// (reads fail with `.archived` until thawed); a thaw request starts a restore that
/// completes after `looksToRestore` more looks at the object's state, modelling a store
/// whose restores take a while (moto completes them at once).
final class ColdBackend: Backend, @unchecked Sendable {
    private let base = MemoryBackend()
    private enum State { case frozen, restoring(looksLeft: Int), restored }
    private let states = Mutex<[ObjectName: State]>([:])
    private let thawRequests = Mutex<[ObjectName]>([])
    var looksToRestore = 2

    var location: String { "cold:memory" }
    var hasArchiveTiers: Bool { true }

    /// Restore requests made so far, in order.
    var requested: [ObjectName] { thawRequests.withLock { $0 } }

    /// Archives every data pack stored so far (a lifecycle rule's transition).
    func freezeDataPacks() throws {
        for info in try base.list(.dataPack) { states.withLock { $0[info.name] = .frozen } }
    }

    private func checkReadable(_ name: ObjectName) throws(BackendError) {
        let readable = states.withLock { states -> Bool in
            switch states[name] {
            case nil, .restored: true
            case .frozen, .restoring: false
            }
        }
        if !readable { throw .archived(name, storageClass: "GLACIER") }
    }

    /// As S3 lists: archived objects (thawed or not) with their class.
    func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo] {
        let archived = states.withLock { Set($0.keys) }
        return try base.list(kind).map { ObjectInfo(name: $0.name, size: $0.size, archiveClass: archived.contains($0.name) ? "GLACIER" : nil) }
    }
    func read(_ name: ObjectName) throws(BackendError) -> [UInt8] {
        try checkReadable(name)
        return try base.read(name)
    }
    func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8] {
        try checkReadable(name)
        return try base.read(name, range: range)
    }
    func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError) { try base.write(name, bytes) }
    func delete(_ name: ObjectName) throws(BackendError) {
        states.withLock { _ = $0.removeValue(forKey: name) }
        try base.delete(name)
    }
    func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo? { try base.stat(name) }
    func removeIncompleteWrites(of kinds: Set<ObjectKind>, olderThan seconds: Double) throws(BackendError) -> Int { 0 }

    func archiveState(_ name: ObjectName) throws(BackendError) -> ArchiveState {
        guard try base.stat(name) != nil else { throw .notFound(name) }
        return states.withLock { states in
            switch states[name] {
            case nil: return .hot
            case .frozen: return .archived(storageClass: "GLACIER")
            case .restoring(let left) where left <= 1:
                states[name] = .restored
                return .restored(storageClass: "GLACIER", until: "Fri, 21 Dec 2012 00:00:00 GMT")
            case .restoring(let left):
                states[name] = .restoring(looksLeft: left - 1)
                return .restoring(storageClass: "GLACIER")
            case .restored: return .restored(storageClass: "GLACIER", until: "Fri, 21 Dec 2012 00:00:00 GMT")
            }
        }
    }

    func requestThaw(_ name: ObjectName, tier: ThawTier, days: Int) throws(BackendError) -> ThawAnswer {
        thawRequests.withLock { $0.append(name) }
        let looks = looksToRestore
        return states.withLock { states in
            switch states[name] {
            case nil: return .notArchived
            case .frozen:
                states[name] = .restoring(looksLeft: looks)
                return .requested
            case .restoring: return .alreadyInProgress
            case .restored: return .alreadyRestored
            }
        }
    }
}
