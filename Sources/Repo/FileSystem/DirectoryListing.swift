#if canImport(Glibc)
import Glibc
#endif
import Posix

/// The entry names of an open directory, read once with `readdir` and sorted by bytes: they
/// must be sorted before any is visited.
///
/// Read through a duplicate of the descriptor, closed once the names are read, so the walk
/// alone decides how long the directory stays open (a deep tree cannot keep every level open).
struct DirectoryListing {
    let names: [[UInt8]]
    /// Why the listing stopped early, if it did; `names` then holds what was read before.
    let readError: Errno?

    /// Reads the names of `descriptor`, which stays open and the caller's.
    init(descriptor: FileDescriptor) throws(Errno) {
        let duplicate = fcntl(descriptor.rawValue, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else { throw .current }
        let stream = try DirectoryStream(FileDescriptor(rawValue: duplicate))
        var names: [[UInt8]] = []
        var readError: Errno?
        do throws(Errno) {
            while let name = try stream.nextName() { names.append(name) }
        } catch {
            readError = error
        }
        self.names = names.sorted { $0.lexicographicallyPrecedes($1) }
        self.readError = readError
    }
}
