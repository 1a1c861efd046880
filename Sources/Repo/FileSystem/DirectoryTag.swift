#if canImport(Glibc)
import Glibc
#endif
import Posix

/// The marker files of `ExcludeRules.excludeIfPresent`.
enum DirectoryTag {
    static let cacheDirectoryTagName: [UInt8] = Array("CACHEDIR.TAG".utf8)
    /// The first bytes of a valid CACHEDIR.TAG (https://bford.info/cachedir/).
    static let cacheDirectorySignature: [UInt8] = Array("Signature: 8a477f597d28d172789f06886806bc55".utf8)

    /// Whether the directory open as `directory` holds the tag `name`. Anything that cannot
    /// be confirmed counts as absent: a rule that excludes must not exclude by accident.
    static func isPresent(_ name: [UInt8], in directory: FileDescriptor) -> Bool {
        if name == cacheDirectoryTagName { return hasCacheDirectorySignature(in: directory) }
        do throws(Errno) {
            return try withNULTerminated(name) { name throws(Errno) in
                _ = try directory.status(ofEntry: name)
                return true
            }
        } catch {
            return false
        }
    }

    /// Opened without following a symlink and without blocking (a FIFO of that name must not
    /// hang the backup); only a regular file counts.
    private static func hasCacheDirectorySignature(in directory: FileDescriptor) -> Bool {
        do throws(Errno) {
            let file = try withNULTerminated(cacheDirectoryTagName) { name throws(Errno) in
                try directory.openEntry(name, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
            }
            defer { try? file.close() }
            guard try file.status().st_mode & S_IFMT == S_IFREG else { return false }
            return try file.read(count: cacheDirectorySignature.count, at: 0) == cacheDirectorySignature
        } catch {
            return false
        }
    }
}
