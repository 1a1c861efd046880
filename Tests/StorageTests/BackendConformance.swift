import Dispatch
import Foundation
@testable import Storage
import Synchronization
import Testing

/// The `Backend` contract as checks that any backend must pass, so that every backend runs
/// exactly the same checks (`LocalBackendConformanceTests`, `S3BackendConformanceTests`):
///
///     @Test(arguments: BackendConformance.Check.allCases)
///     func conforms(_ check: BackendConformance.Check) throws {
///         try BackendConformance(makeBackend: { try makeFreshBackend() }).run(check)
///     }
///
/// Every check starts from a fresh, empty backend made by the factory, so checks neither
/// see each other's objects nor depend on their order.
struct BackendConformance {
    let makeBackend: () throws -> any Backend
    /// Threads for the checks that write many objects at once: an object store is bound by
    /// round trips, not by cores.
    var threads = 16

    enum Check: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case roundTrip, rangedReads, readsPastTheEnd, missingObjects, listing, largeListing
        case deletion, identicalRewrite, concurrentWritesAndReads, largeObject, streams

        var testDescription: String { rawValue }
    }

    func run(_ check: Check) throws {
        let backend = try makeBackend()
        switch check {
        case .roundTrip: try roundTrip(backend)
        case .rangedReads: try rangedReads(backend)
        case .readsPastTheEnd: try readsPastTheEnd(backend)
        case .missingObjects: try missingObjects(backend)
        case .listing: try listing(backend)
        case .largeListing: try largeListing(backend)
        case .deletion: try deletion(backend)
        case .identicalRewrite: try identicalRewrite(backend)
        case .concurrentWritesAndReads: try concurrentWritesAndReads(backend)
        case .largeObject: try largeObject(backend)
        case .streams: try streams(backend)
        }
    }

    /// A backend that streams: pieces appended are invisible until the commit, then read
    /// back whole under the name given at the end; a discarded stream leaves nothing; a
    /// commit over an identical object is harmless. One that does not stream says so.
    func streams(_ backend: any Backend) throws {
        guard let stream = try backend.makeStream(.dataPack) else {
            #expect(!backend.streamsObjects)
            return
        }
        #expect(backend.streamsObjects)
        var objects = SeededObjects(seed: 11)
        let pieces = [objects.bytes(1), objects.bytes(0), objects.bytes(3 << 20), objects.bytes(70_001)]
        for piece in pieces { try piece.withUnsafeBytes { try stream.append($0) } }
        #expect(try backend.list(.dataPack).isEmpty, "nothing is visible before the commit")
        let name = objects.name(.dataPack)
        try stream.commit(as: name)
        stream.discard()  // harmless after the commit
        let whole = pieces.flatMap { $0 }
        #expect(try backend.read(name) == whole)
        #expect(try backend.list(.dataPack) == [ObjectInfo(name: name, size: whole.count)])

        let again = try #require(try backend.makeStream(.dataPack))
        try whole.withUnsafeBytes { try again.append($0) }
        try again.commit(as: name)
        #expect(try backend.read(name) == whole)

        let dropped = try #require(try backend.makeStream(.dataPack))
        try objects.bytes(1000).withUnsafeBytes { try dropped.append($0) }
        dropped.discard()
        #expect(try backend.list(.dataPack).map(\.name) == [name])
    }

    /// Empty, tiny and multi-megabyte objects come back byte for byte, with their size.
    func roundTrip(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 1)
        for size in [0, 1, 5 << 20] {
            let name = objects.name(.dataPack)
            let bytes = objects.bytes(size)
            try backend.write(name, bytes)
            #expect(try backend.read(name) == bytes, "\(size) bytes")
            #expect(try backend.stat(name) == ObjectInfo(name: name, size: size))
        }
        let config = objects.bytes(300)
        try backend.write(.config, config)
        #expect(try backend.read(.config) == config)
    }

    /// Ranges at the start, in the middle, at the end, empty, and the whole object.
    func rangedReads(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 2)
        let name = objects.name(.treePack)
        let bytes = objects.bytes(1000)
        try backend.write(name, bytes)
        // Into a reused buffer, as restore reads: whatever it held before (longer, shorter,
        // empty) is replaced by exactly the range.
        var buffer = [UInt8](repeating: 0xEE, count: 2000)
        for range in [0..<10, 495..<505, 990..<1000, 500..<500, 0..<1000, 1000..<1000] {
            #expect(try backend.read(name, range: range) == Array(bytes[range]), "range \(range)")
            try backend.read(name, range: range, into: &buffer)
            #expect(buffer == Array(bytes[range]), "range \(range) into a reused buffer")
        }
        #expect(throws: BackendError.self) { try backend.read(name, range: 990..<1010, into: &buffer) }
    }

    /// A range beyond the object is an error (`.truncated` preferably), never a crash
    /// or a silently short answer, however absurd the range.
    func readsPastTheEnd(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 3)
        let name = objects.name(.dataPack)
        try backend.write(name, objects.bytes(1000))
        for range in [990..<1010, 1000..<1001, 2000..<2010, 0..<Int.max, (Int.max - 1)..<Int.max, -1..<5] {
            #expect(throws: BackendError.self, "range \(range)") { try backend.read(name, range: range) }
        }
        #expect(throws: BackendError.truncated(name, expected: 20, actual: 10)) {
            try backend.read(name, range: 990..<1010)
        }
    }

    /// A missing object is `.notFound` when read, nil when statted.
    func missingObjects(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 4)
        for kind in ObjectKind.allCases {
            let name = kind == .config ? ObjectName.config : objects.name(kind)
            #expect(throws: BackendError.notFound(name)) { try backend.read(name) }
            #expect(throws: BackendError.notFound(name)) { try backend.read(name, range: 0..<1) }
            #expect(throws: BackendError.notFound(name)) { try backend.read(name, range: 0..<0) }
            #expect(try backend.stat(name) == nil)
        }
    }

    /// Each kind lists exactly its own objects with their sizes, and nothing before.
    func listing(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 5)
        for kind in ObjectKind.allCases {
            #expect(try backend.list(kind).isEmpty, "\(kind) in an empty repository")
        }
        var written: [ObjectKind: Set<ObjectInfo>] = [:]
        for kind in ObjectKind.allCases {
            let names = kind == .config ? [ObjectName.config] : [objects.name(kind), objects.name(kind)]
            for (offset, name) in names.enumerated() {
                let size = 10 + offset
                try backend.write(name, objects.bytes(size))
                written[kind, default: []].insert(ObjectInfo(name: name, size: size))
            }
        }
        for kind in ObjectKind.allCases {
            #expect(Set(try backend.list(kind)) == written[kind], "\(kind)")
        }
    }

    /// More objects of one kind than an object store returns in one page (S3 and moto page
    /// at 1,000 keys): 2,500 index objects (three pages, the last one partial) and 1,100
    /// data packs (sharded locally, two pages), each listed completely and only under its
    /// own kind.
    func largeListing(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 6)
        let indexes = (0..<2500).map { ObjectInfo(name: objects.name(.index), size: $0 % 7) }
        let packs = (0..<1100).map { ObjectInfo(name: objects.name(.dataPack), size: 1 + $0 % 5) }
        let written = indexes + packs
        let failures = concurrently(written.count) { index throws(BackendError) in
            try backend.write(written[index].name, [UInt8](repeating: 1, count: written[index].size))
        }
        #expect(failures.isEmpty, "\(failures.count) writes failed: \(failures.prefix(3))")
        let listedIndexes = try backend.list(.index)
        #expect(listedIndexes.count == indexes.count, "no object twice, none missing")
        #expect(Set(listedIndexes) == Set(indexes))
        let listedPacks = try backend.list(.dataPack)
        #expect(listedPacks.count == packs.count)
        #expect(Set(listedPacks) == Set(packs))
        #expect(try backend.list(.treePack).isEmpty)
        #expect(try backend.list(.locks).isEmpty)
    }

    /// A deleted object is gone from every view; deleting it again, or deleting what never
    /// existed, is fine.
    func deletion(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 7)
        let kept = objects.name(.snapshots)
        let deleted = objects.name(.snapshots)
        try backend.write(kept, objects.bytes(5))
        try backend.write(deleted, objects.bytes(6))
        try backend.delete(deleted)
        #expect(try backend.stat(deleted) == nil)
        #expect(throws: BackendError.notFound(deleted)) { try backend.read(deleted) }
        #expect(try backend.list(.snapshots) == [ObjectInfo(name: kept, size: 5)])
        try backend.delete(deleted)
        try backend.delete(objects.name(.locks))
        try backend.delete(objects.name(.dataPack))
        #expect(try backend.read(kept).count == 5)
    }

    /// Writing an object that exists, with the same bytes (same id), succeeds and leaves
    /// one object.
    func identicalRewrite(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 8)
        let name = objects.name(.index)
        let bytes = objects.bytes(4096)
        try backend.write(name, bytes)
        try backend.write(name, bytes)
        #expect(try backend.read(name) == bytes)
        #expect(try backend.list(.index) == [ObjectInfo(name: name, size: bytes.count)])
    }

    /// Eight threads writing and reading back their own objects, and all reading one shared
    /// object, all succeed and see exactly their bytes.
    func concurrentWritesAndReads(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 9)
        let shared = objects.name(.treePack)
        let sharedBytes = objects.bytes(100_000)
        try backend.write(shared, sharedBytes)
        let perThread = (0..<8).map { thread in
            (0..<20).map { item in (objects.name(item % 2 == 0 ? .dataPack : .index), objects.bytes(thread * 1000 + item * 97)) }
        }
        let failures = concurrently(perThread.count) { thread throws(BackendError) in
            for (name, bytes) in perThread[thread] {
                try backend.write(name, bytes)
                guard try backend.read(name) == bytes else { throw .service("\(name) read back differently") }
                guard try backend.read(shared, range: 1000..<2000) == Array(sharedBytes[1000..<2000]) else {
                    throw .service("shared object read differently")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        let all = perThread.joined().map { ObjectInfo(name: $0.0, size: $0.1.count) }
        let listed = try backend.list(.dataPack) + backend.list(.index)
        #expect(Set(listed) == Set(all))
    }

    /// An object larger than an object store's multipart threshold in the S3 suite
    /// (12 MiB: parts of 5, 5 and 2 MiB there) comes back byte for byte, whole and in
    /// ranges across the part boundaries.
    func largeObject(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 10)
        let name = objects.name(.dataPack)
        let bytes = objects.bytes(12 << 20)
        try backend.write(name, bytes)
        #expect(try backend.stat(name) == ObjectInfo(name: name, size: bytes.count))
        let read = try backend.read(name)
        #expect(read.count == bytes.count)
        #expect(read == bytes, "first difference at \(read.indices.first { $0 >= bytes.count || read[$0] != bytes[$0] }.map(String.init) ?? "the end")")
        let mib = 1 << 20
        for range in [0..<16, (5 * mib - 100)..<(5 * mib + 100), (10 * mib - 1)..<(10 * mib + 1), (4 * mib)..<(11 * mib),
                      (12 * mib - 7)..<(12 * mib)] {
            #expect(try backend.read(name, range: range) == Array(bytes[range]), "range \(range)")
        }
        #expect(try backend.list(.dataPack) == [ObjectInfo(name: name, size: bytes.count)])
    }

    /// Runs `body` for `0..<count` on `threads` threads and returns the errors: an #expect
    /// on another thread would be reported outside the test.
    private func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws(BackendError) -> Void) -> [BackendError] {
        final class Work: Sendable {
            let next = Atomic<Int>(0)
            let failures = Mutex<[BackendError]>([])
        }
        let work = Work()
        let group = DispatchGroup()
        for _ in 0..<min(threads, count) {
            group.enter()
            Thread.detachNewThread {
                while true {
                    let index = work.next.add(1, ordering: .relaxed).oldValue
                    guard index < count else { break }
                    do throws(BackendError) {
                        try body(index)
                    } catch {
                        work.failures.withLock { $0.append(error) }
                    }
                }
                group.leave()
            }
        }
        group.wait()
        return work.failures.withLock { $0 }
    }
}
