#if canImport(Glibc)
import Glibc
#endif

/// Files and directories with names no one else has: `template` ends in `XXXXXX`, which
/// the C library replaces until the name is new.
extension FileDescriptor {
    /// Creates and opens a new file (read-write, mode 0600) named after `template`; returns
    /// it with its path. Not close-on-exec, as `mkstemp` makes it: a child may write to it.
    public static func createUnique(_ template: String) throws(Errno) -> (file: FileDescriptor, path: String) {
        var name = Array(template.utf8CString)
        let descriptor = name.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw .current }
        return (FileDescriptor(rawValue: descriptor), name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// Creates a new directory (mode 0700) named after `template`; returns its path.
    public static func makeUniqueDirectory(_ template: String) throws(Errno) -> String {
        var name = Array(template.utf8CString)
        guard name.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { throw .current }
        return name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
