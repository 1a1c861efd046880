#if canImport(Glibc)
import Glibc
#endif
import Posix

/// The directory a restore writes into, and the rules that keep the writes inside it.
///
/// Everything below the target is created relative to open directory descriptors, and no
/// call follows a symlink found inside the target: a symlink planted by someone else, or
/// restored from the snapshot, can never redirect a write outside (see `RestoreDirectory`).
/// The target's own path is followed as given, symlinks included: the user chose it.
public final class RestoreTarget: Sendable {
    /// The target directory itself.
    public let root: RestoreDirectory

    /// Opens the directory at `path`, creating it (mode 0700) if it does not exist; its
    /// parent must exist. Ownership is restored only when running as root: nobody else may
    /// give files away, and trying would fail every file.
    public init(path: FilePath) throws(FileSystemError) {
        let flags = O_RDONLY | O_DIRECTORY
        let descriptor: FileDescriptor
        do throws(Errno) {
            descriptor = try withNULTerminated(path.bytes) { cPath throws(Errno) in
                do throws(Errno) {
                    return try FileDescriptor.workingDirectory.openEntry(cPath, flags: flags)
                } catch where error.code == ENOENT {
                    do throws(Errno) {
                        try FileDescriptor.workingDirectory.makeDirectory(entry: cPath, mode: 0o700)
                    } catch where error.code == EEXIST {
                        // Created by someone else meanwhile: open whatever is there now.
                    }
                    return try FileDescriptor.workingDirectory.openEntry(cPath, flags: flags)
                }
            }
        } catch {
            throw error.error("open restore target", path.description)
        }
        let owned = OwnedDescriptor(descriptor)
        root = RestoreDirectory(path: path, descriptor: owned, targetRoot: owned, restoresOwnership: geteuid() == 0)
    }

    public convenience init(path: String) throws(FileSystemError) {
        try self.init(path: FilePath(path))
    }

    /// Whether `name` can only ever name an entry inside its directory: not empty, not `.` or
    /// `..`, no `/` and no NUL. A name from a snapshot is untrusted input (a repository can
    /// be tampered with), and anything else would let it write elsewhere.
    public static func isSafeName(_ name: [UInt8]) -> Bool {
        !name.isEmpty && name != [UInt8(ascii: ".")] && name != [UInt8(ascii: "."), UInt8(ascii: ".")]
            && !name.contains(FilePath.separator) && !name.contains(0)
    }
}
