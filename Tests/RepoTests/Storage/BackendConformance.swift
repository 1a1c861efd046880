import Dispatch
import Repo
import Synchronization
import Testing

/// The `Backend` contract as checks that any backend must pass, so that a new backend (an
/// object store) runs exactly what the local one runs:
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

    enum Check: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case roundTrip, rangedReads, readsPastTheEnd, missingObjects, listing, largeListing
        case deletion, identicalRewrite, concurrentWritesAndReads

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
        }
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
        for range in [0..<10, 495..<505, 990..<1000, 500..<500, 0..<1000, 1000..<1000] {
            #expect(try backend.read(name, range: range) == Array(bytes[range]), "range \(range)")
        }
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

    /// More objects of one kind than an object store returns in one page (1,000).
    func largeListing(_ backend: any Backend) throws {
        var objects = SeededObjects(seed: 6)
        let written = (0..<1500).map { ObjectInfo(name: objects.name(.dataPack), size: $0 % 7) }
        let failures = concurrently(written.count) { index throws(BackendError) in
            try backend.write(written[index].name, [UInt8](repeating: 1, count: written[index].size))
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        let listed = try backend.list(.dataPack)
        #expect(listed.count == written.count)
        #expect(Set(listed) == Set(written))
        #expect(try backend.list(.treePack).isEmpty)
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

    /// Runs `body` for `0..<count` on Dispatch's worker threads and returns the errors: an
    /// #expect on a worker thread would be reported outside the test.
    private func concurrently(_ count: Int, _ body: @Sendable (Int) throws(BackendError) -> Void) -> [BackendError] {
        let failures = Mutex<[BackendError]>([])
        DispatchQueue.concurrentPerform(iterations: count) { index in
            do throws(BackendError) {
                try body(index)
            } catch {
                failures.withLock { $0.append(error) }
            }
        }
        return failures.withLock { $0 }
    }
}
