import Foundation

/// A growable array of index entries in one `realloc`ed allocation, with value semantics
/// (copied on the first write to a shared copy, as `Array` is).
///
/// Why not `Array`: it grows by allocating a new buffer and copying into it, so the index
/// briefly needs twice its size whenever it grows, and a snapshot that adds a million blobs
/// grows it dozens of times (48 MB of entries at a million: 96 MB at each merge, the peak of
/// a first snapshot of 1M small files). `realloc` of a large block moves its pages instead
/// (glibc: `mremap`), so growing costs only the new entries.
///
/// Only for trivial element types (plain bytes, no references), which realloc may move:
/// checked once per array.
struct EntryArray<Element>: RandomAccessCollection, MutableCollection {
    private final class Storage {
        var base: UnsafeMutablePointer<Element>?
        var count = 0
        var capacity = 0

        init() {}

        func copy() -> Storage {
            let copy = Storage()
            copy.reserve(count)
            if let base, let target = copy.base { target.update(from: base, count: count) }
            copy.count = count
            return copy
        }

        func reserve(_ minimum: Int) {
            guard minimum > capacity else { return }
            guard let grown = realloc(base, minimum * MemoryLayout<Element>.stride) else {
                fatalError("out of memory growing the index to \(minimum) entries")
            }
            base = grown.assumingMemoryBound(to: Element.self)
            capacity = minimum
        }

        deinit { free(base) }
    }

    private var storage = Storage()

    init() { precondition(_isPOD(Element.self), "EntryArray holds plain bytes only") }

    var startIndex: Int { 0 }
    var endIndex: Int { storage.count }

    subscript(position: Int) -> Element {
        get {
            precondition(position >= 0 && position < storage.count, "index entry \(position) out of range")
            return storage.base![position]
        }
        set {
            precondition(position >= 0 && position < storage.count, "index entry \(position) out of range")
            unique().base![position] = newValue
        }
    }

    /// Makes room for `count` entries in all, without moving the ones there.
    mutating func reserveCapacity(_ count: Int) { unique().reserve(count) }

    mutating func append(_ element: Element) {
        let storage = unique()
        // Geometric, so appends one at a time cost amortized O(1); realloc keeps it cheap.
        if storage.count == storage.capacity { storage.reserve(Swift.max(16, storage.capacity + storage.capacity / 2)) }
        storage.base![storage.count] = element
        storage.count += 1
    }

    /// Drops the last `k` entries (keeps the capacity).
    mutating func removeLast(_ k: Int) {
        precondition(k >= 0 && k <= count, "cannot remove \(k) of \(count) index entries")
        unique().count -= k
    }

    /// Drops the entries `shouldBeRemoved` picks, keeping the order of the others.
    mutating func removeAll(where shouldBeRemoved: (Element) throws -> Bool) rethrows {
        let storage = unique()
        var kept = 0
        for index in 0..<storage.count where try !shouldBeRemoved(storage.base![index]) {
            storage.base![kept] = storage.base![index]
            kept += 1
        }
        storage.count = kept
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    /// The entries, then room for `extra` more, uninitialised until the body writes them;
    /// the count becomes what the body returns (at most `count + extra`).
    mutating func withGrowingBuffer(extra: Int, _ body: (UnsafeMutableBufferPointer<Element>) throws -> Int) rethrows {
        let storage = unique()
        storage.reserve(storage.count + extra)
        let filled = try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count + extra))
        precondition(filled >= 0 && filled <= storage.count + extra, "index buffer filled past its room")
        storage.count = filled
    }

    mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        let storage = unique()
        return try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
    }

    /// The storage, copied first if another value shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }
}

// Shared storage is never written (a write copies it first, `unique()`), as with `Array`.
extension EntryArray: @unchecked Sendable where Element: Sendable {}
