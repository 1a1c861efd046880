import Glibc

/// The space of the file system holding a path, as `df` reports it.
public struct FileSystemSpace: Sendable, Equatable {
    public let totalBytes: UInt64
    /// Free to root, reserved blocks included.
    public let freeBytes: UInt64
    /// What other users can still have.
    public let availableBytes: UInt64

    public init(totalBytes: UInt64, freeBytes: UInt64, availableBytes: UInt64) {
        self.totalBytes = totalBytes
        self.freeBytes = freeBytes
        self.availableBytes = availableBytes
    }

    public static func of(_ path: String) throws(Errno) -> FileSystemSpace {
        var info = statvfs()
        try retryingOnInterrupt { statvfs(path, &info) }
        let unit = UInt64(info.f_frsize)
        return FileSystemSpace(totalBytes: UInt64(info.f_blocks) * unit, freeBytes: UInt64(info.f_bfree) * unit,
                               availableBytes: UInt64(info.f_bavail) * unit)
    }

    /// Percent used, as `df` counts it: used over what non-root users can have (used +
    /// available), rounded up.
    public var percentUsed: Int {
        let used = Double(totalBytes - freeBytes)
        return Int((used / max(1, used + Double(availableBytes)) * 100).rounded(.up))
    }
}
