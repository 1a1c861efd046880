#if canImport(Glibc)
import Glibc
#endif

/// The entries of one directory, read with `readdir`. FileManager builds a URL and an
/// attribute dictionary per entry, which is far too slow for 100,000 packs.
public final class DirectoryStream {
    private let stream: OpaquePointer
    /// The directory itself, for `*at` calls on its entries.
    public let descriptor: FileDescriptor

    /// Opens the directory `path` relative to `directory`.
    public init(_ path: String, relativeTo directory: FileDescriptor) throws(Errno) {
        let descriptor = try FileDescriptor.open(path, relativeTo: directory, flags: O_RDONLY | O_DIRECTORY)
        guard let stream = fdopendir(descriptor.rawValue) else {
            let error = Errno.current
            try? descriptor.close()
            throw error
        }
        self.stream = stream
        self.descriptor = descriptor
    }

    deinit {
        // Also closes `descriptor`, which the stream owns since fdopendir.
        closedir(stream)
    }

    /// The next entry's name (never `.` or `..`), or nil after the last one. Names that
    /// are not UTF-8 come back with replacement characters: they are no object's name.
    public func next() throws(Errno) -> String? {
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw .current }
                return nil
            }
            let name = withUnsafePointer(to: &entry.pointee.d_name) { field in
                field.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: field.pointee)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { return name }
        }
    }
}
