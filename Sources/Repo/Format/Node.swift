import Crypto

/// One piece of a file's content: a blob, or a hole of a sparse file (stored as a length,
/// never as data).
public enum ContentPiece: Sendable, Equatable {
    case blob(Digest256)
    case hole(UInt64)
}

/// One directory entry as a snapshot records it: everything `restore` needs to recreate
/// it, and everything the next snapshot needs to tell whether the file changed.
public struct Node: Sendable, Equatable {
    /// The name as the file system has it: bytes, not necessarily UTF-8.
    public var name: [UInt8]
    public var type: FileType
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var user: String?
    public var group: String?
    public var mtime: Timestamp
    public var ctime: Timestamp
    public var size: UInt64
    public var inode: UInt64
    public var device: UInt64
    public var linkCount: UInt64
    public var rdev: UInt64
    public var linkTarget: [UInt8]?
    public var xattrs: [ExtendedAttribute]
    /// Files: the content, in order.
    public var content: [ContentPiece]
    /// Directories: the tree blob of the directory's entries.
    public var subtree: Digest256?

    public init(name: [UInt8], metadata: FileMetadata) {
        self.name = name
        type = metadata.type
        mode = metadata.mode
        uid = metadata.uid
        gid = metadata.gid
        user = metadata.user
        group = metadata.group
        mtime = metadata.mtime
        ctime = metadata.ctime
        size = metadata.size
        inode = metadata.inode
        device = metadata.device
        linkCount = metadata.linkCount
        rdev = metadata.rdev
        linkTarget = metadata.linkTarget
        xattrs = metadata.xattrs
        content = []
        subtree = nil
    }

    /// The name for messages (invalid UTF-8 and control characters escaped).
    public var displayName: String { FilePath.display(name) }

    /// The metadata as the file system layer takes it back on restore.
    public var metadata: FileMetadata {
        FileMetadata(type: type, mode: mode, uid: uid, gid: gid, user: user, group: group, mtime: mtime, ctime: ctime,
                     size: size, inode: inode, device: device, linkCount: linkCount, rdev: rdev, linkTarget: linkTarget,
                     xattrs: xattrs)
    }
}

extension Node {
    func encode(into writer: inout BinaryWriter) {
        writer.append(data: name)
        writer.append(type.rawValue)
        writer.append(varint: UInt64(mode))
        writer.append(varint: UInt64(uid))
        writer.append(varint: UInt64(gid))
        writer.append(string: user ?? "")
        writer.append(string: group ?? "")
        writer.append(int64: mtime.seconds)
        writer.append(varint: UInt64(mtime.nanoseconds))
        writer.append(int64: ctime.seconds)
        writer.append(varint: UInt64(ctime.nanoseconds))
        writer.append(varint: size)
        writer.append(varint: inode)
        writer.append(varint: device)
        writer.append(varint: linkCount)
        writer.append(varint: rdev)
        writer.append(data: linkTarget ?? [])
        writer.append(varint: xattrs.count)
        for attribute in xattrs {
            writer.append(data: attribute.nameBytes)
            writer.append(data: attribute.value)
        }
        switch type {
        case .file:
            writer.append(varint: content.count)
            for piece in content {
                switch piece {
                case .blob(let id):
                    writer.append(0)
                    writer.append(id)
                case .hole(let length):
                    writer.append(1)
                    writer.append(varint: length)
                }
            }
        case .directory:
            writer.append(subtree ?? .zero)
        default:
            break
        }
    }

    static func decode(from reader: inout BinaryReader) throws(FormatError) -> Node {
        let name = try reader.data()
        guard RestoreTarget.isSafeName(name) else { throw reader.corrupt("unsafe entry name \(String(decoding: name, as: UTF8.self).debugDescription)") }
        guard let type = FileType(rawValue: try reader.byte()) else { throw reader.corrupt("unknown entry type") }
        let mode = try reader.uint32Varint()
        let uid = try reader.uint32Varint()
        let gid = try reader.uint32Varint()
        let user = try reader.string()
        let group = try reader.string()
        let mtime = Timestamp(seconds: try reader.int64(), nanoseconds: try reader.uint32Varint())
        let ctime = Timestamp(seconds: try reader.int64(), nanoseconds: try reader.uint32Varint())
        let size = try reader.varint()
        let inode = try reader.varint()
        let device = try reader.varint()
        let linkCount = try reader.varint()
        let rdev = try reader.varint()
        let linkTarget = try reader.data()
        let xattrCount = try reader.count(atMost: reader.remaining / 2)
        var xattrs = [ExtendedAttribute]()
        for _ in 0..<xattrCount {
            xattrs.append(ExtendedAttribute(nameBytes: try reader.data(), value: try reader.data()))
        }
        let metadata = FileMetadata(type: type, mode: mode, uid: uid, gid: gid, user: user.isEmpty ? nil : user,
                                    group: group.isEmpty ? nil : group, mtime: mtime, ctime: ctime, size: size,
                                    inode: inode, device: device, linkCount: linkCount, rdev: rdev,
                                    linkTarget: type == .symlink ? linkTarget : nil, xattrs: xattrs)
        var node = Node(name: name, metadata: metadata)
        switch type {
        case .file:
            let count = try reader.count(atMost: reader.remaining / 2)
            node.content.reserveCapacity(count)
            for _ in 0..<count {
                switch try reader.byte() {
                case 0: node.content.append(.blob(try reader.digest()))
                case 1: node.content.append(.hole(try reader.varint()))
                default: throw reader.corrupt("unknown content piece")
                }
            }
        case .directory:
            node.subtree = try reader.digest()
        default:
            break
        }
        return node
    }
}
