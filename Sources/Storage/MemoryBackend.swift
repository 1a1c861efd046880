#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A repository held in memory: objects in a dictionary, gone with the process. For tests
/// and benchmarks that want a real backend without a disk or a server (a local repository
/// costs its 512 shard directories to create or copy). Thread-safe; it keeps the whole
/// `Backend` contract, including streams when asked to.
///
/// `preferredConcurrency` and `preferredReadSize` can be set to present it as an object
/// store does (several uploads at once, whole tree packs read in one request).
public final class MemoryBackend: Backend {
    private let objects: Mutex<[ObjectName: [UInt8]]>

    public let location: String
    public let streamsObjects: Bool
    public let preferredConcurrency: Int
    public let preferredReadSize: Int

    /// An empty backend, or one holding `objects`; `streams`: whether `makeStream` gives
    /// streams (as a local directory does) or nil (as an object store does).
    public init(_ objects: [ObjectName: [UInt8]] = [:], location: String = "memory", streams: Bool = false,
                preferredConcurrency: Int = 1, preferredReadSize: Int = 0) {
        self.objects = Mutex(objects)
        self.location = location
        self.streamsObjects = streams
        self.preferredConcurrency = preferredConcurrency
        self.preferredReadSize = preferredReadSize
    }

    /// A copy of every object of `backend`, to change and throw away in no time.
    public static func copy(of backend: any Backend) throws(BackendError) -> MemoryBackend {
        var objects: [ObjectName: [UInt8]] = [:]
        for kind in ObjectKind.allCases {
            for info in try backend.list(kind) { objects[info.name] = try backend.read(info.name) }
        }
        return MemoryBackend(objects, location: backend.location)
    }

    public func list(_ kind: ObjectKind) throws(BackendError) -> [ObjectInfo] {
        objects.withLock { $0.filter { $0.key.kind == kind }.map { ObjectInfo(name: $0.key, size: $0.value.count) } }
    }

    public func read(_ name: ObjectName) throws(BackendError) -> [UInt8] {
        guard name.isValid else { throw .invalidName(name) }
        guard let bytes = objects.withLock({ $0[name] }) else { throw .notFound(name) }
        return bytes
    }

    public func read(_ name: ObjectName, range: Range<Int>) throws(BackendError) -> [UInt8] {
        let bytes = try read(name)
        guard range.lowerBound >= 0 else { throw .io(operation: "read", path: name.path, errno: EINVAL) }
        guard range.upperBound <= bytes.count else {
            throw .truncated(name, expected: range.count, actual: max(0, bytes.count - range.lowerBound))
        }
        return Array(bytes[range])
    }

    public func write(_ name: ObjectName, _ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        guard name.isValid else { throw .invalidName(name) }
        let copy = Array(bytes)
        objects.withLock { $0[name] = copy }
    }

    public func makeStream(_ kind: ObjectKind) throws(BackendError) -> ObjectStream? {
        streamsObjects ? Stream(backend: self) : nil
    }

    public func delete(_ name: ObjectName) throws(BackendError) {
        guard name.isValid else { throw .invalidName(name) }
        _ = objects.withLock { $0.removeValue(forKey: name) }
    }

    public func stat(_ name: ObjectName) throws(BackendError) -> ObjectInfo? {
        guard name.isValid else { throw .invalidName(name) }
        return objects.withLock { $0[name].map { ObjectInfo(name: name, size: $0.count) } }
    }

    /// Bytes gathered until the commit stores them under their name in one step.
    private final class Stream: ObjectStream {
        private let backend: MemoryBackend
        private var bytes: [UInt8] = []

        init(backend: MemoryBackend) { self.backend = backend }

        func append(_ bytes: UnsafeRawBufferPointer) throws(BackendError) { self.bytes.append(contentsOf: bytes) }

        func commit(as name: ObjectName) throws(BackendError) {
            try backend.write(name, bytes)
            bytes = []
        }

        func discard() { bytes = [] }
    }
}
