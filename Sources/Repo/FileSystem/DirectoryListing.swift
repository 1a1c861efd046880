import Posix

/// An open directory during a walk: its descriptor, for the `*at` calls on its entries, and
/// its entry names, read once with `readdir` and sorted by bytes.
///
/// The names are read up front because they must be sorted before any is visited; the
/// stream stays open because its descriptor keeps naming this very directory even if it is
/// renamed meanwhile.
final class DirectoryListing {
    let names: [[UInt8]]
    /// Why the listing stopped early, if it did; `names` then holds what was read before.
    let readError: Errno?
    private let stream: DirectoryStream

    /// The directory's descriptor, for the `*at` calls on its entries.
    var descriptor: FileDescriptor { stream.descriptor }

    /// Takes ownership of `descriptor`, closing it on failure too.
    init(descriptor: FileDescriptor) throws(Errno) {
        stream = try DirectoryStream(descriptor)
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
