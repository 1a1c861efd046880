/// What the kernel says about one directory entry: its `lstat` fields, owner names, symlink
/// target and extended attributes. The same fields as a tree entry (docs/format.md, "Trees"),
/// so a backup stores this and a restore applies it.
public struct FileMetadata: Sendable, Equatable {
    public var type: FileType
    /// Permission bits including setuid, setgid and sticky (`st_mode & 0o7777`).
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    /// The owner's name when the system knows the uid; restores use the numbers, names are for
    /// people and for mapping ids between machines.
    public var user: String?
    public var group: String?
    public var mtime: Timestamp
    /// Change time: cannot be restored, but tells a later backup that metadata changed.
    public var ctime: Timestamp
    /// `st_size`: bytes for files, the target's length for symlinks, file-system-specific for
    /// directories.
    public var size: UInt64
    public var inode: UInt64
    public var device: UInt64
    public var linkCount: UInt64
    /// The device number for character and block devices, 0 otherwise.
    public var rdev: UInt64
    /// The target of a symlink, as raw bytes (it need not be UTF-8 or name an existing file).
    public var linkTarget: [UInt8]?
    /// Sorted by name bytes, so that equal attributes make equal metadata and equal tree blobs.
    public var xattrs: [ExtendedAttribute]

    public init(
        type: FileType, mode: UInt32, uid: UInt32, gid: UInt32, user: String? = nil,
        group: String? = nil, mtime: Timestamp, ctime: Timestamp, size: UInt64, inode: UInt64 = 0,
        device: UInt64 = 0, linkCount: UInt64 = 1, rdev: UInt64 = 0, linkTarget: [UInt8]? = nil,
        xattrs: [ExtendedAttribute] = []
    ) {
        self.type = type
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.user = user
        self.group = group
        self.mtime = mtime
        self.ctime = ctime
        self.size = size
        self.inode = inode
        self.device = device
        self.linkCount = linkCount
        self.rdev = rdev
        self.linkTarget = linkTarget
        self.xattrs = xattrs
    }
}
