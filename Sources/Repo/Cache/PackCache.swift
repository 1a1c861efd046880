import Crypto
import Foundation
import Synchronization

/// The last few whole packs read, by id (least recently used goes first). Thread-safe; a
/// pack being fetched by one thread may be fetched by another at the same time, which
/// costs a request, never correctness (packs are immutable).
final class PackCache: Sendable {
    private let capacity: Int
    private let packs = Mutex<[(id: Digest256, bytes: [UInt8])]>([])

    init(capacity: Int) { self.capacity = capacity }

    func pack(_ id: Digest256, fetch: () throws -> [UInt8]) throws -> [UInt8] {
        if let hit = packs.withLock({ packs -> [UInt8]? in
            guard let index = packs.firstIndex(where: { $0.id == id }) else { return nil }
            let entry = packs.remove(at: index)
            packs.append(entry)
            return entry.bytes
        }) {
            return hit
        }
        let bytes = try fetch()
        packs.withLock { packs in
            packs.append((id, bytes))
            if packs.count > capacity { packs.removeFirst() }
        }
        return bytes
    }
}
