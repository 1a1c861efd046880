#if canImport(Glibc)
import Glibc
#endif

/// Owner, mode, times and symlink targets, of the open file itself or of an entry (a C
/// string) of this directory, never following a symlink there.
extension FileDescriptor {
    public func setOwner(uid: uid_t, gid: gid_t) throws(Errno) {
        try retryingOnInterrupt { fchown(rawValue, uid, gid) }
    }

    public func setOwner(ofEntry name: UnsafePointer<CChar>, uid: uid_t, gid: gid_t) throws(Errno) {
        try retryingOnInterrupt { fchownat(rawValue, name, uid, gid, AT_SYMLINK_NOFOLLOW) }
    }

    public func setMode(_ mode: mode_t) throws(Errno) {
        try retryingOnInterrupt { fchmod(rawValue, mode) }
    }

    /// Fails (EOPNOTSUPP) on a symlink, which has no mode of its own on Linux.
    public func setMode(ofEntry name: UnsafePointer<CChar>, _ mode: mode_t) throws(Errno) {
        try retryingOnInterrupt { fchmodat(rawValue, name, mode, AT_SYMLINK_NOFOLLOW) }
    }

    /// Sets the access and modification times (`times`: both, in that order).
    public func setTimes(_ times: [timespec]) throws(Errno) {
        try retryingOnInterrupt { futimens(rawValue, times) }
    }

    public func setTimes(ofEntry name: UnsafePointer<CChar>, _ times: [timespec]) throws(Errno) {
        try retryingOnInterrupt { utimensat(rawValue, name, times, AT_SYMLINK_NOFOLLOW) }
    }

    /// The target of the symlink `name` of this directory (or, relative to the working
    /// directory, at a path), in a buffer grown until it fits (`st_size` is only a hint: the
    /// link may be replaced, and /proc reports 0).
    public func symlinkTarget(ofEntry name: UnsafePointer<CChar>) throws(Errno) -> [UInt8] {
        var capacity = 256
        while true {
            var target = [UInt8](repeating: 0, count: capacity)
            let count = try retryingOnInterrupt {
                target.withUnsafeMutableBytes {
                    readlinkat(rawValue, name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
                }
            }
            if count < capacity {
                target.removeLast(capacity - count)
                return target
            }
            capacity *= 2
        }
    }
}
