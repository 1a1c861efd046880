#if canImport(Glibc)
import Glibc
#endif
import Posix

/// An open directory during a walk: its descriptor, for the `*at` calls on its entries, and
/// its entry names, read once with `readdir` and sorted by bytes.
///
/// The names are read up front because they must be sorted before any is visited; the
/// stream stays open because its descriptor keeps naming this very directory even if it is
/// renamed meanwhile.
final class DirectoryListing {
    let descriptor: FileDescriptor
    let names: [[UInt8]]
    /// Why the listing stopped early, if it did; `names` then holds what was read before.
    let readError: Errno?
    private let stream: OpaquePointer

    /// Takes ownership of `descriptor`, closing it on failure too.
    init(descriptor: FileDescriptor) throws(Errno) {
        guard let stream = fdopendir(descriptor.rawValue) else {
            let error = Errno.current
            try? descriptor.close()
            throw error
        }
        self.stream = stream
        self.descriptor = descriptor
        var names: [[UInt8]] = []
        var readError: Errno?
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { readError = Errno(errno) }
                break
            }
            // d_name is read in place: a record is only as long as its name, so copying the
            // whole fixed-size struct could read past the end of the kernel's buffer.
            let name = UnsafeRawPointer(entry).advanced(by: nameOffset)
            let bytes = Array(UnsafeRawBufferPointer(start: name, count: strlen(name.assumingMemoryBound(to: CChar.self))))
            if bytes == [UInt8(ascii: ".")] || bytes == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(bytes)
        }
        self.names = names.sorted { $0.lexicographicallyPrecedes($1) }
        self.readError = readError
    }

    deinit {
        closedir(stream)
    }
}
