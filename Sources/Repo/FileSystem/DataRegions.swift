#if canImport(Glibc)
import Glibc
#endif
import Posix

/// The byte ranges of the open file `file` that hold data, in order, within its first `size`
/// bytes; what lies between them are holes, which read as zeros and occupy no disk space.
///
/// A backup reads and stores only these ranges, and a restore writes only them, so a 100 GB
/// sparse disk image with 1 GB of data costs 1 GB, both ways. Uses `SEEK_DATA`/`SEEK_HOLE`;
/// where the file system cannot tell, the kernel reports the whole file as data, and a kernel
/// without them (EINVAL) gets the same answer here. The file offset is left where it was.
/// `path` is only for messages.
public func dataRegions(_ file: FileDescriptor, size: UInt64, path: String? = nil) throws(FileSystemError) -> [Range<UInt64>] {
    guard size > 0 else { return [] }
    let shownPath = path ?? "file descriptor \(file.rawValue)"
    let savedOffset: Int
    do throws(Errno) {
        savedOffset = try file.seek(to: 0, from: .current)
    } catch {
        throw error.error("seek in", shownPath)
    }
    defer { _ = try? file.seek(to: savedOffset) }

    let end = Int(clamping: size)
    var regions: [Range<UInt64>] = []
    var offset = 0
    while offset < end {
        let start: Int
        do throws(Errno) {
            start = try file.seek(to: offset, from: .nextData)
        } catch {
            switch error.code {
            // No data at or after `offset`: the rest is a hole (or the file shrank meanwhile).
            case ENXIO: return regions
            case EINVAL where offset == 0: return [0..<size]
            default: throw error.error("find data in", shownPath)
            }
        }
        if start >= end { break }
        let holeStart: Int
        do throws(Errno) {
            holeStart = try file.seek(to: start, from: .nextHole)
        } catch {
            if error.code == ENXIO { break }
            throw error.error("find holes in", shownPath)
        }
        regions.append(UInt64(start)..<UInt64(min(holeStart, end)))
        offset = holeStart
    }
    return regions
}
