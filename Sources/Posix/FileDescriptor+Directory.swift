#if canImport(Glibc)
import Glibc
#endif

/// Operations on entries of an open directory (the `*at` system calls), so that the local
/// backend resolves every path against the repository directory it opened rather than
/// the working directory or whatever a path names by then.
extension FileDescriptor {
    /// Creates the directory `path`; one that already exists is not an error. Returns
    /// whether it was created, so the caller knows the parent needs syncing.
    @discardableResult
    public func makeDirectory(_ path: String, mode: mode_t) throws(Errno) -> Bool {
        if mkdirat(rawValue, path, mode) == 0 { return true }
        let error = Errno.current
        guard error == .exists else { throw error }
        return false
    }

    /// Renames `source` to `destination`, replacing it atomically if it exists.
    public func rename(_ source: String, to destination: String) throws(Errno) {
        if renameat(rawValue, source, rawValue, destination) != 0 { throw .current }
    }

    /// Removes the file `path`.
    public func removeFile(_ path: String) throws(Errno) {
        if unlinkat(rawValue, path, 0) != 0 { throw .current }
    }

    /// The status of `path`, following a symbolic link as `open` would.
    public func status(of path: String) throws(Errno) -> stat {
        var status = stat()
        if fstatat(rawValue, path, &status, 0) != 0 { throw .current }
        return status
    }

    /// Flushes the directory `path` itself, which makes the creation, renaming or removal
    /// of its entries durable: fsync of a file does not cover its name.
    public func syncDirectory(_ path: String) throws(Errno) {
        let directory = try FileDescriptor.open(path, relativeTo: self, flags: O_RDONLY | O_DIRECTORY)
        do throws(Errno) {
            try directory.sync()
        } catch {
            try? directory.close()
            throw error
        }
        try directory.close()
    }

    /// `mkdir -p`: creates `path` and its missing parents with `mode`, syncing the parent of
    /// each directory it creates so that the new entry is as durable as what goes inside.
    public static func makeDirectoryAndParents(_ path: String, mode: mode_t) throws(Errno) {
        let workingDirectory = FileDescriptor.workingDirectory
        var prefix = path.hasPrefix("/") ? "/" : ""
        var parent = path.hasPrefix("/") ? "/" : "."
        for component in path.split(separator: "/") {
            prefix += prefix.isEmpty || prefix.hasSuffix("/") ? String(component) : "/\(component)"
            if try workingDirectory.makeDirectory(prefix, mode: mode) { try workingDirectory.syncDirectory(parent) }
            parent = prefix
        }
    }
}
