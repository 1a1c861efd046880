#if canImport(Glibc)
import Glibc
import Posix
#endif

/// `lseek` whence values for sparse files (Linux ABI), which Swift's Glibc module leaves out
/// because <unistd.h> declares them only under _GNU_SOURCE.
private let seekData: Int32 = 3
private let seekHole: Int32 = 4

/// The byte ranges of the open file `fd` that hold data, in order, within its first `size`
/// bytes; what lies between them are holes, which read as zeros and occupy no disk space.
///
/// A backup reads and stores only these ranges, and a restore writes only them, so a 100 GB
/// sparse disk image with 1 GB of data costs 1 GB, both ways. Uses `SEEK_DATA`/`SEEK_HOLE`;
/// where the file system cannot tell, the kernel reports the whole file as data, and a kernel
/// without them (EINVAL) gets the same answer here. The file offset is left where it was.
/// `path` is only for messages.
public func dataRegions(fd: Int32, size: UInt64, path: String? = nil) throws(FileSystemError) -> [Range<UInt64>] {
    guard size > 0 else { return [] }
    let shownPath = path ?? "file descriptor \(fd)"
    let savedOffset: off_t
    do throws(Errno) {
        savedOffset = try retryingOnInterrupt { lseek(fd, 0, SEEK_CUR) }
    } catch {
        throw error.error("seek in", shownPath)
    }
    defer { lseek(fd, savedOffset, SEEK_SET) }

    let end = off_t(clamping: size)
    var regions: [Range<UInt64>] = []
    var offset: off_t = 0
    while offset < end {
        let start = lseek(fd, offset, seekData)
        if start == -1 {
            switch errno {
            // No data at or after `offset`: the rest is a hole (or the file shrank meanwhile).
            case ENXIO: return regions
            case EINVAL where offset == 0: return [0..<size]
            case let code: throw .system(operation: "find data in", path: shownPath, errno: code)
            }
        }
        if start >= end { break }
        let holeStart = lseek(fd, start, seekHole)
        if holeStart == -1 {
            if errno == ENXIO { break }
            throw .system(operation: "find holes in", path: shownPath, errno: errno)
        }
        regions.append(UInt64(start)..<UInt64(min(holeStart, end)))
        offset = holeStart
    }
    return regions
}
