#if canImport(Glibc)
import Glibc
#endif
import Posix

/// Applies restored metadata to one entry, in the only order that works: owner first (a
/// change of owner clears setuid bits and file capabilities), then extended attributes (a
/// read-only mode would forbid writing them), then the mode, and the mtime last (every
/// other change moves it). The access time is set to the mtime; the change time cannot be set.
///
/// What the target cannot hold is returned, not thrown, so that a restore carries on and
/// reports it: attributes the file system does not support (ENOTSUP) or refuses (EPERM, as
/// for `trusted.*` without privilege), and owners the system refuses (EPERM, EINVAL for ids
/// outside a user namespace). Everything else is a real failure and is thrown.
struct MetadataApplier: Sendable {
    /// Whether to set owners: only root may give files away.
    let restoresOwnership: Bool

    enum Subject {
        /// An open file or directory.
        case descriptor(FileDescriptor)
        /// An entry by name in an open directory, never followed: symlinks and special files.
        case entry(directory: FileDescriptor, name: [UInt8])
    }

    func apply(_ metadata: FileMetadata, to subject: Subject, path: FilePath) throws(FileSystemError) -> [FileSystemError] {
        var unsupported: [FileSystemError] = []
        do throws(Errno) {
            if restoresOwnership {
                do throws(Errno) {
                    try setOwner(metadata, subject)
                } catch where error.code == EPERM || error.code == EINVAL {
                    unsupported.append(error.error("set the owner of", path.description))
                }
            }
        } catch {
            throw error.error("set the owner of", path.description)
        }
        let holder: ExtendedAttributeHolder = switch subject {
        case .descriptor(let descriptor): .descriptor(descriptor)
        // Through the directory's descriptor under /proc: only the last component is looked up
        // by name, and an `l` call does not follow it.
        case .entry(let directory, let name): .path(Array("/proc/self/fd/\(directory.rawValue)/".utf8) + name)
        }
        for attribute in metadata.xattrs {
            do throws(Errno) {
                do throws(Errno) {
                    try holder.write(name: attribute.nameBytes, value: attribute.value)
                } catch where error.code == ENOTSUP || error.code == EPERM {
                    unsupported.append(error.error("set extended attribute \(attribute.name) of", path.description))
                }
            } catch {
                throw error.error("set extended attribute \(attribute.name) of", path.description)
            }
        }
        do throws(Errno) {
            if metadata.type != .symlink { try setMode(metadata.mode, subject) }
        } catch {
            throw error.error("set the mode of", path.description)
        }
        do throws(Errno) {
            try setTimes(metadata.mtime, subject)
        } catch {
            throw error.error("set the times of", path.description)
        }
        return unsupported
    }

    private func setOwner(_ metadata: FileMetadata, _ subject: Subject) throws(Errno) {
        switch subject {
        case .descriptor(let descriptor):
            try descriptor.setOwner(uid: metadata.uid, gid: metadata.gid)
        case .entry(let directory, let name):
            try withNULTerminated(name) { name throws(Errno) in
                try directory.setOwner(ofEntry: name, uid: metadata.uid, gid: metadata.gid)
            }
        }
    }

    /// Symlinks have no mode of their own on Linux; callers skip them.
    private func setMode(_ mode: UInt32, _ subject: Subject) throws(Errno) {
        let mode = mode_t(mode & 0o7777)
        switch subject {
        case .descriptor(let descriptor):
            try descriptor.setMode(mode)
        case .entry(let directory, let name):
            try withNULTerminated(name) { name throws(Errno) in
                try directory.setMode(ofEntry: name, mode)
            }
        }
    }

    private func setTimes(_ mtime: Timestamp, _ subject: Subject) throws(Errno) {
        let times = [mtime.systemTime, mtime.systemTime]
        switch subject {
        case .descriptor(let descriptor):
            try descriptor.setTimes(times)
        case .entry(let directory, let name):
            try withNULTerminated(name) { name throws(Errno) in
                try directory.setTimes(ofEntry: name, times)
            }
        }
    }
}
