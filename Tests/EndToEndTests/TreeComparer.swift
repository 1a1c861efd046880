import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Compares two trees entry by entry, with lstat and raw-byte names, and says what differs:
// type, permission bits (setuid, setgid, sticky included), owner, group, size, mtime to
// the nanosecond (files, directories, symlinks, FIFOs), file contents, symlink targets,
// `user.*` extended attributes, hard-link structure, and that sparse files stayed sparse.

struct TreeComparer {
    struct Options {
        /// Compare the two roots' own metadata (mode, owner, mtime) too.
        var compareRoot = true
        var compareOwners = true
        var compareTimes = true
        /// Relative paths (bytes) left out of the comparison, with everything below them.
        var skip: Set<[UInt8]> = []
    }

    private struct InodeKey: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    let expectedRoot: [UInt8]
    let actualRoot: [UInt8]
    let options: Options
    private(set) var differences: [String] = []
    private var expectedInodes: [InodeKey: [[UInt8]]] = [:]
    private var actualInodes: [InodeKey: [[UInt8]]] = [:]
    private var expectedKey: [[UInt8]: InodeKey] = [:]
    private var actualKey: [[UInt8]: InodeKey] = [:]
    private(set) var entriesCompared = 0

    /// The differences between the tree at `expected` and the one at `actual`; empty when
    /// they are the same. Each says the path (relative, `\xNN` for bytes that are not UTF-8)
    /// and what differs.
    static func compare(_ expected: String, _ actual: String, options: Options = Options()) -> [String] {
        var comparer = TreeComparer(expectedRoot: Array(expected.utf8), actualRoot: Array(actual.utf8), options: options)
        comparer.run()
        return comparer.differences
    }

    init(expectedRoot: [UInt8], actualRoot: [UInt8], options: Options) {
        self.expectedRoot = expectedRoot
        self.actualRoot = actualRoot
        self.options = options
    }

    mutating func run() {
        visit([])
        checkHardLinks()
        if entriesCompared == 0 { differences.append("nothing was compared") }
    }

    private func path(_ root: [UInt8], _ relative: [UInt8]) -> [UInt8] {
        relative.isEmpty ? root : FS.join(root, relative)
    }

    private mutating func note(_ relative: [UInt8], _ text: String) {
        differences.append("\(relative.isEmpty ? "." : displayPath(relative)): \(text)")
    }

    private mutating func visit(_ relative: [UInt8]) {
        if options.skip.contains(relative) { return }
        let expectedPath = path(expectedRoot, relative), actualPath = path(actualRoot, relative)
        let expected: stat, actual: stat
        do {
            expected = try FS.lstat(expectedPath)
        } catch {
            note(relative, "cannot lstat the expected entry: \(error)")
            return
        }
        do {
            actual = try FS.lstat(actualPath)
        } catch {
            note(relative, "missing (\(error))")
            return
        }
        entriesCompared += 1
        let expectedType = expected.st_mode & S_IFMT, actualType = actual.st_mode & S_IFMT
        guard expectedType == actualType else {
            note(relative, "type \(typeName(expectedType)) expected, found \(typeName(actualType))")
            return
        }
        if !relative.isEmpty || options.compareRoot {
            compareMetadata(relative, expected, actual, type: expectedType)
        }
        switch expectedType {
        case S_IFDIR:
            compareDirectory(relative, expectedPath, actualPath)
        case S_IFREG:
            let expectedInode = InodeKey(device: UInt64(expected.st_dev), inode: UInt64(expected.st_ino))
            let actualInode = InodeKey(device: UInt64(actual.st_dev), inode: UInt64(actual.st_ino))
            expectedInodes[expectedInode, default: []].append(relative)
            actualInodes[actualInode, default: []].append(relative)
            expectedKey[relative] = expectedInode
            actualKey[relative] = actualInode
            if expected.st_size == actual.st_size { compareContents(relative, expectedPath, actualPath) }
            compareSparseness(relative, expected, actual)
        case S_IFLNK:
            do {
                let expectedTarget = try FS.readlink(expectedPath), actualTarget = try FS.readlink(actualPath)
                if expectedTarget != actualTarget {
                    note(relative, "symlink target \(displayPath(expectedTarget)) expected, found \(displayPath(actualTarget))")
                }
            } catch {
                note(relative, "readlink: \(error)")
            }
        default:
            if expectedType == S_IFCHR || expectedType == S_IFBLK, expected.st_rdev != actual.st_rdev {
                note(relative, "device number \(expected.st_rdev) expected, found \(actual.st_rdev)")
            }
        }
    }

    private mutating func compareMetadata(_ relative: [UInt8], _ expected: stat, _ actual: stat, type: UInt32) {
        if type != S_IFLNK, expected.st_mode & 0o7777 != actual.st_mode & 0o7777 {
            note(relative, "mode \(String(expected.st_mode & 0o7777, radix: 8)) expected, found \(String(actual.st_mode & 0o7777, radix: 8))")
        }
        if options.compareOwners {
            if expected.st_uid != actual.st_uid { note(relative, "uid \(expected.st_uid) expected, found \(actual.st_uid)") }
            if expected.st_gid != actual.st_gid { note(relative, "gid \(expected.st_gid) expected, found \(actual.st_gid)") }
        }
        if type != S_IFDIR, expected.st_size != actual.st_size {
            note(relative, "size \(expected.st_size) expected, found \(actual.st_size)")
        }
        if options.compareTimes,
           expected.st_mtim.tv_sec != actual.st_mtim.tv_sec || expected.st_mtim.tv_nsec != actual.st_mtim.tv_nsec {
            note(relative, "mtime \(expected.st_mtim.tv_sec).\(String(format: "%09d", expected.st_mtim.tv_nsec)) expected, found \(actual.st_mtim.tv_sec).\(String(format: "%09d", actual.st_mtim.tv_nsec))")
        }
        if type == S_IFREG || type == S_IFDIR || type == S_IFLNK {
            do {
                let expectedAttributes = try FS.xattrs(path(expectedRoot, relative))
                let actualAttributes = try FS.xattrs(path(actualRoot, relative))
                if expectedAttributes != actualAttributes {
                    note(relative, "xattrs \(describe(expectedAttributes)) expected, found \(describe(actualAttributes))")
                }
            } catch {
                note(relative, "xattrs: \(error)")
            }
        }
    }

    private mutating func compareDirectory(_ relative: [UInt8], _ expectedPath: [UInt8], _ actualPath: [UInt8]) {
        let expectedNames: [[UInt8]], actualNames: [[UInt8]]
        do {
            expectedNames = try FS.list(expectedPath)
            actualNames = try FS.list(actualPath)
        } catch {
            note(relative, "cannot list: \(error)")
            return
        }
        let actualSet = Set(actualNames), expectedSet = Set(expectedNames)
        for name in expectedNames {
            let child = relative.isEmpty ? name : FS.join(relative, name)
            if options.skip.contains(child) { continue }
            if actualSet.contains(name) {
                visit(child)
            } else {
                note(child, "missing")
            }
        }
        for name in actualNames where !expectedSet.contains(name) {
            let child = relative.isEmpty ? name : FS.join(relative, name)
            if options.skip.contains(child) { continue }
            note(child, "unexpected (not in the expected tree)")
        }
    }

    private mutating func compareContents(_ relative: [UInt8], _ expectedPath: [UInt8], _ actualPath: [UInt8]) {
        let expectedFD = FS.with(expectedPath) { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        let actualFD = FS.with(actualPath) { open($0, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        defer {
            if expectedFD >= 0 { close(expectedFD) }
            if actualFD >= 0 { close(actualFD) }
        }
        guard expectedFD >= 0, actualFD >= 0 else {
            note(relative, "cannot open to compare contents: \(String(cString: strerror(errno)))")
            return
        }
        let blockSize = 1 << 20
        var a = [UInt8](repeating: 0, count: blockSize), b = [UInt8](repeating: 0, count: blockSize)
        var offset = 0
        while true {
            let n = a.withUnsafeMutableBytes { pread(expectedFD, $0.baseAddress, blockSize, off_t(offset)) }
            let m = b.withUnsafeMutableBytes { pread(actualFD, $0.baseAddress, blockSize, off_t(offset)) }
            if n < 0 || m < 0 {
                note(relative, "read failed at \(offset)")
                return
            }
            if n != m {
                note(relative, "contents differ in length at offset \(offset)")
                return
            }
            if n == 0 { return }
            let same = a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, n) == 0 } }
            if !same {
                let first = (0..<n).first { a[$0] != b[$0] } ?? 0
                note(relative, "contents differ at byte \(offset + first)")
                return
            }
            offset += n
        }
    }

    /// A file that is sparse in the expected tree (allocated well under its size) must be
    /// sparse when restored.
    private mutating func compareSparseness(_ relative: [UInt8], _ expected: stat, _ actual: stat) {
        let size = Int(expected.st_size)
        guard size >= 1 << 20, Int(expected.st_blocks) * 512 < size / 2 else { return }
        let allocated = Int(actual.st_blocks) * 512
        if allocated >= size / 2 {
            note(relative, "not sparse: \(allocated) bytes allocated for \(size) (expected \(Int(expected.st_blocks) * 512))")
        }
    }

    /// Names that share an inode in the expected tree share one in the actual tree, and
    /// no others do.
    private mutating func checkHardLinks() {
        for (_, names) in expectedInodes where names.count > 1 {
            let keys = Set(names.compactMap { actualKey[$0] })
            if keys.count > 1 {
                note(names[0], "hard links \(names.map(displayPath)) share one inode in the expected tree but not in the actual one")
            }
        }
        for (_, names) in actualInodes where names.count > 1 {
            let keys = Set(names.compactMap { expectedKey[$0] })
            if keys.count > 1 {
                note(names[0], "\(names.map(displayPath)) share one inode in the actual tree but are separate files in the expected one")
            }
        }
    }

    private func typeName(_ type: UInt32) -> String {
        switch type {
        case S_IFREG: return "file"
        case S_IFDIR: return "directory"
        case S_IFLNK: return "symlink"
        case S_IFIFO: return "fifo"
        case S_IFCHR: return "character device"
        case S_IFBLK: return "block device"
        case S_IFSOCK: return "socket"
        default: return "type \(type)"
        }
    }

    private func describe(_ attributes: [String: [UInt8]]) -> String {
        "{" + attributes.keys.sorted().map { "\($0)=\(displayPath(attributes[$0]!))" }.joined(separator: ", ") + "}"
    }
}
