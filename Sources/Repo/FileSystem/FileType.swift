#if canImport(Glibc)
import Glibc
#endif

/// The kind of a directory entry. The raw values are stored in tree blobs (docs/format.md,
/// "Trees") and can never change; 3 is unassigned.
public enum FileType: UInt8, Sendable, Codable {
    case file = 0
    case directory = 1
    case symlink = 2
    case characterDevice = 4
    case blockDevice = 5
    case fifo = 6
    case socket = 7

    /// The type encoded in the `S_IFMT` bits of a `st_mode`; nil for a type Linux does not have.
    init?(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .file
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symlink
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        default: return nil
        }
    }

    /// The `S_IFMT` bits that `mknodat` needs to create an entry of this type.
    var modeBits: mode_t {
        switch self {
        case .file: S_IFREG
        case .directory: S_IFDIR
        case .symlink: S_IFLNK
        case .characterDevice: S_IFCHR
        case .blockDevice: S_IFBLK
        case .fifo: S_IFIFO
        case .socket: S_IFSOCK
        }
    }
}
