#if canImport(Glibc)
import Glibc
#endif

/// Where extended attributes are read or written: an open file, or a path whose last
/// component is not followed (so a symlink's own attributes, never its target's).
public enum ExtendedAttributeHolder: Sendable {
    case descriptor(FileDescriptor)
    case path([UInt8])

    /// Every attribute, name (without its NUL) and value, sorted by name bytes. A file system
    /// without extended attributes (ENOTSUP) has none rather than failing; an attribute
    /// removed between listing and reading (ENODATA) is left out, as if listed a moment later.
    public func readAll() throws(Errno) -> [(name: [UInt8], value: [UInt8])] {
        let names: [UInt8]
        do throws(Errno) {
            names = try readGrowing { buffer throws(Errno) in try list(buffer) }
        } catch where error.code == ENOTSUP {
            return []
        }
        var attributes: [(name: [UInt8], value: [UInt8])] = []
        for name in names.split(separator: 0) {
            let nameBytes = Array(name)
            do throws(Errno) {
                let value = try readGrowing { buffer throws(Errno) in try get(nameBytes, buffer) }
                attributes.append((nameBytes, value))
            } catch where error.code == ENODATA {
                continue
            }
        }
        return attributes.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    /// Sets the attribute `name` to `value`, creating or replacing it.
    public func write(name: [UInt8], value: [UInt8]) throws(Errno) {
        let calls = ExtendedAttributeCalls.shared
        try withNULTerminated(name) { name throws(Errno) in
            switch self {
            case .descriptor(let descriptor):
                guard let fsetxattr = calls.fsetxattr else { throw Errno(ENOTSUP) }
                try retryingOnInterrupt {
                    value.withUnsafeBytes { fsetxattr(descriptor.rawValue, name, $0.baseAddress, $0.count, 0) }
                }
            case .path(let path):
                guard let lsetxattr = calls.lsetxattr else { throw Errno(ENOTSUP) }
                try withNULTerminated(path) { path throws(Errno) in
                    try retryingOnInterrupt {
                        value.withUnsafeBytes { lsetxattr(path, name, $0.baseAddress, $0.count, 0) }
                    }
                }
            }
        }
    }

    /// The NUL-separated names into `buffer`, or with an empty buffer the size they need.
    private func list(_ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let calls = ExtendedAttributeCalls.shared
        let names = buffer.baseAddress?.assumingMemoryBound(to: CChar.self)
        switch self {
        case .descriptor(let descriptor):
            guard let flistxattr = calls.flistxattr else { throw Errno(ENOTSUP) }
            return try retryingOnInterrupt { flistxattr(descriptor.rawValue, names, buffer.count) }
        case .path(let path):
            guard let llistxattr = calls.llistxattr else { throw Errno(ENOTSUP) }
            return try withNULTerminated(path) { path throws(Errno) in
                try retryingOnInterrupt { llistxattr(path, names, buffer.count) }
            }
        }
    }

    /// The value of `name` into `buffer`, or with an empty buffer the size it needs.
    private func get(_ name: [UInt8], _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let calls = ExtendedAttributeCalls.shared
        return try withNULTerminated(name) { name throws(Errno) in
            switch self {
            case .descriptor(let descriptor):
                guard let fgetxattr = calls.fgetxattr else { throw Errno(ENOTSUP) }
                return try retryingOnInterrupt { fgetxattr(descriptor.rawValue, name, buffer.baseAddress, buffer.count) }
            case .path(let path):
                guard let lgetxattr = calls.lgetxattr else { throw Errno(ENOTSUP) }
                return try withNULTerminated(path) { path throws(Errno) in
                    try retryingOnInterrupt { lgetxattr(path, name, buffer.baseAddress, buffer.count) }
                }
            }
        }
    }
}

/// Asks `read` for the size it needs (empty buffer), then reads; again, larger, when the data
/// grew in between (ERANGE), as attributes may while a system is running.
private func readGrowing(_ read: (UnsafeMutableRawBufferPointer) throws(Errno) -> Int) throws(Errno) -> [UInt8] {
    while true {
        let size = try read(UnsafeMutableRawBufferPointer(start: nil, count: 0))
        if size == 0 { return [] }
        var bytes = [UInt8](repeating: 0, count: size)
        let outcome = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(Errno) in try read(buffer) }
        }
        switch outcome {
        case .success(let count):
            bytes.removeLast(bytes.count - count)
            return bytes
        case .failure(let error) where error.code == ERANGE:
            continue
        case .failure(let error):
            throw error
        }
    }
}
