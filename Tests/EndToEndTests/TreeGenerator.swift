import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

// A deterministic generator of file trees that exercise everything a backup must keep:
// odd names (spaces, UTF-8, invalid UTF-8, a newline), empty, small, large, compressible
// and random files, thousands of tiny files, symlinks (relative, absolute, dangling), hard
// links, a sparse file, unusual modes (setgid, sticky), a FIFO, an extended attribute,
// nanosecond mtimes and foreign owners. Paths are bytes throughout, since file names on
// Linux are bytes.

/// SplitMix64 (TestSupport's `SeededGenerator`), seeded one step further on than
/// `SeededGenerator(seed:)` so that trees keep the contents they have always had for a seed.
struct SeededRandom: RandomNumberGenerator {
    private var generator: SeededGenerator
    init(seed: UInt64) { generator = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15) }

    mutating func next() -> UInt64 { generator.next() }

    /// `count` random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset + 8 <= raw.count {
                raw.storeBytes(of: next(), toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            var last = next()
            while offset < raw.count {
                raw[offset] = UInt8(truncatingIfNeeded: last)
                last >>= 8
                offset += 1
            }
        }
        return result
    }

    /// Text-like bytes that compress well: lines of words from a small vocabulary.
    mutating func text(_ count: Int) -> [UInt8] {
        let words = ["backup", "repository", "chunk", "snapshot", "restore", "pack", "index", "tree", "blob", "the",
                     "of", "and", "a", "to", "in", "is", "data", "file", "directory", "encrypted", "deduplicated",
                     "INSERT INTO users VALUES", "(42, 'alice', 'x@example.com');", "2001-09-09T01:46:40Z", "ERROR", "ok"]
        var result: [UInt8] = []
        result.reserveCapacity(count + 64)
        while result.count < count {
            let lineWords = Int.random(in: 3...12, using: &self)
            for index in 0..<lineWords {
                if index > 0 { result.append(0x20) }
                result += Array(words[Int.random(in: 0..<words.count, using: &self)].utf8)
            }
            result.append(0x0A)
        }
        return Array(result.prefix(count))
    }
}

// MARK: - System calls on byte paths

/// Thin wrappers over the system calls, on paths given as bytes, throwing with errno.
enum FS {
    struct Failure: Error, CustomStringConvertible {
        let call: String
        let path: [UInt8]
        let code: Int32
        var description: String { "\(call) \(displayPath(path)): \(String(cString: strerror(code)))" }
    }

    static func with<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        (path + [0]).withUnsafeBufferPointer { buffer in
            body(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self))
        }
    }

    @discardableResult
    static func check(_ call: String, _ path: [UInt8], _ body: (UnsafePointer<CChar>) -> Int32) throws -> Int32 {
        while true {
            let result = with(path, body)
            if result >= 0 { return result }
            if errno == EINTR { continue }
            throw Failure(call: call, path: path, code: errno)
        }
    }

    static func join(_ directory: [UInt8], _ name: [UInt8]) -> [UInt8] {
        directory.last == UInt8(ascii: "/") ? directory + name : directory + [UInt8(ascii: "/")] + name
    }

    static func join(_ directory: [UInt8], _ name: String) -> [UInt8] { join(directory, Array(name.utf8)) }

    static func mkdir(_ path: [UInt8], mode: mode_t = 0o755) throws {
        try check("mkdir", path) { Glibc.mkdir($0, mode) }
    }

    static func writeFile(_ path: [UInt8], _ data: [UInt8], mode: mode_t = 0o644) throws {
        let fd = try check("create", path) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode) }
        defer { close(fd) }
        try writeAll(fd, data, at: 0, path: path)
    }

    static func writeAll(_ fd: Int32, _ data: [UInt8], at start: off_t, path: [UInt8]) throws {
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { pwrite(fd, $0.baseAddress! + offset, data.count - offset, start + off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(call: "write", path: path, code: errno)
            }
            offset += n
        }
    }

    /// Overwrites `data` at `offset` of an existing file (the size grows only if it must).
    static func patch(_ path: [UInt8], at offset: Int, _ data: [UInt8]) throws {
        let fd = try check("open", path) { open($0, O_WRONLY | O_CLOEXEC | O_NOFOLLOW) }
        defer { close(fd) }
        try writeAll(fd, data, at: off_t(offset), path: path)
    }

    static func append(_ path: [UInt8], _ data: [UInt8]) throws {
        let fd = try check("open", path) { open($0, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW) }
        defer { close(fd) }
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { write(fd, $0.baseAddress! + offset, data.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(call: "append", path: path, code: errno)
            }
            offset += n
        }
    }

    static func readFile(_ path: [UInt8]) throws -> [UInt8] {
        let fd = try check("open", path) { open($0, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(call: "read", path: path, code: errno)
            }
            if n == 0 { return result }
            result += buffer[..<n]
        }
    }

    static func symlink(_ target: [UInt8], at path: [UInt8]) throws {
        try check("symlink", path) { name in with(target) { Glibc.symlink($0, name) } }
    }

    static func link(_ existing: [UInt8], _ new: [UInt8]) throws {
        try check("link", new) { name in with(existing) { Glibc.link($0, name) } }
    }

    static func rename(_ old: [UInt8], _ new: [UInt8]) throws {
        try check("rename", new) { name in with(old) { Glibc.rename($0, name) } }
    }

    static func unlink(_ path: [UInt8]) throws {
        try check("unlink", path) { Glibc.unlink($0) }
    }

    static func mkfifo(_ path: [UInt8], mode: mode_t = 0o644) throws {
        try check("mkfifo", path) { Glibc.mkfifo($0, mode) }
    }

    static func chmod(_ path: [UInt8], _ mode: mode_t) throws {
        try check("chmod", path) { Glibc.chmod($0, mode) }
    }

    static func lchown(_ path: [UInt8], _ uid: uid_t, _ gid: gid_t) throws {
        try check("lchown", path) { Glibc.lchown($0, uid, gid) }
    }

    /// Sets access and modification time without following a symlink.
    static func setTimes(_ path: [UInt8], seconds: Int, nanoseconds: Int) throws {
        var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
        try check("utimensat", path) { utimensat(AT_FDCWD, $0, &times, AT_SYMLINK_NOFOLLOW) }
    }

    static func lstat(_ path: [UInt8]) throws -> stat {
        var status = stat()
        try check("lstat", path) { Glibc.lstat($0, &status) }
        return status
    }

    static func exists(_ path: [UInt8]) -> Bool {
        var status = stat()
        return with(path) { Glibc.lstat($0, &status) } == 0
    }

    static func readlink(_ path: [UInt8]) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 8192)
        let n = try with(path) { name -> Int in
            buffer.withUnsafeMutableBytes { Glibc.readlink(name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        }.orThrow(Failure(call: "readlink", path: path, code: errno))
        return Array(buffer[..<n])
    }

    /// The names in a directory (without `.` and `..`), sorted bytewise.
    static func list(_ path: [UInt8]) throws -> [[UInt8]] {
        guard let directory = with(path, { opendir($0) }) else { throw Failure(call: "opendir", path: path, code: errno) }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Sets an extended attribute on a file (not following symlinks).
    static func setXattr(_ path: [UInt8], _ name: String, _ value: [UInt8]) throws {
        try check("lsetxattr", path) { file in value.withUnsafeBytes { LibC.lsetxattr(file, name, $0.baseAddress, $0.count, 0) } }
    }

    /// The extended attributes whose names start with `prefix`, by name.
    static func xattrs(_ path: [UInt8], prefix: String = "user.") throws -> [String: [UInt8]] {
        let size = with(path) { LibC.llistxattr($0, nil, 0) }
        if size < 0 {
            if errno == ENOTSUP { return [:] }
            throw Failure(call: "llistxattr", path: path, code: errno)
        }
        if size == 0 { return [:] }
        var names = [UInt8](repeating: 0, count: size + 256)
        let length = with(path) { file in names.withUnsafeMutableBytes { LibC.llistxattr(file, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) } }
        guard length >= 0 else { throw Failure(call: "llistxattr", path: path, code: errno) }
        var result: [String: [UInt8]] = [:]
        for rawName in names[..<length].split(separator: 0) {
            let name = String(decoding: rawName, as: UTF8.self)
            guard name.hasPrefix(prefix) else { continue }
            let valueSize = with(path) { LibC.lgetxattr($0, name, nil, 0) }
            guard valueSize >= 0 else { throw Failure(call: "lgetxattr \(name)", path: path, code: errno) }
            var value = [UInt8](repeating: 0, count: valueSize)
            let read = with(path) { file in value.withUnsafeMutableBytes { LibC.lgetxattr(file, name, $0.baseAddress, $0.count) } }
            guard read >= 0 else { throw Failure(call: "lgetxattr \(name)", path: path, code: errno) }
            result[name] = Array(value[..<read])
        }
        return result
    }
}

private extension Int {
    func orThrow(_ error: @autoclosure () -> Error) throws -> Int {
        if self < 0 { throw error() }
        return self
    }
}

/// A path (or name) for people: UTF-8 where it is valid, `\xNN` for other bytes, and
/// control characters escaped.
func displayPath(_ bytes: [UInt8]) -> String {
    var result = ""
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        if byte < 0x20 || byte == 0x7F {
            result += byte == 0x0A ? "\\n" : String(format: "\\x%02x", byte)
            index += 1
            continue
        }
        if byte < 0x80 {
            result.unicodeScalars.append(Unicode.Scalar(byte))
            index += 1
            continue
        }
        // Try to decode one UTF-8 sequence.
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 0
        if length > 0, index + length <= bytes.count,
           let decoded = String(validating: bytes[index..<index + length], as: UTF8.self) {
            result += decoded
            index += length
        } else {
            result += String(format: "\\x%02x", byte)
            index += 1
        }
    }
    return result
}

// MARK: - The generator

/// What to put in a generated tree. The defaults make the full tree of the round-trip
/// test; `small(seed:)` makes the lighter random trees of the property test.
struct TreeSpec: Sendable {
    var seed: UInt64
    /// Random directory levels below the top (with random files in each).
    var depth = 3
    var directoriesPerLevel = 2...3
    var filesPerDirectory = 2...5
    /// Largest size of the small files in the random directories.
    var smallFileMaximum = 20_000
    /// Tiny files in one directory, `many/`.
    var tinyFiles = 2_100
    /// Sizes of random (incompressible) large files.
    var randomFileSizes: [Int] = [2_500_000, 1_100_000]
    /// Sizes of compressible (text-like) large files.
    var textFileSizes: [Int] = [3_000_000]
    /// Size of the sparse file (0: none); a few regions are written into it.
    var sparseSize = 50 << 20
    var oddNames = true
    var symlinks = true
    var hardLinks = true
    var specialModes = true
    var fifo = true
    var xattrs = true
    /// Give some entries uid/gid 1234 (only when running as root).
    var foreignOwners = true

    init(seed: UInt64) { self.seed = seed }

    /// A lighter tree with features switched on and off by the seed.
    static func small(seed: UInt64) -> TreeSpec {
        var random = SeededRandom(seed: seed ^ 0x5EED)
        var spec = TreeSpec(seed: seed)
        spec.depth = Int.random(in: 1...4, using: &random)
        spec.directoriesPerLevel = 1...Int.random(in: 1...3, using: &random)
        spec.filesPerDirectory = 0...Int.random(in: 1...6, using: &random)
        spec.smallFileMaximum = Int.random(in: 1...70_000, using: &random)
        spec.tinyFiles = Int.random(in: 0...150, using: &random)
        spec.randomFileSizes = (0..<Int.random(in: 0...2, using: &random)).map { _ in Int.random(in: 1...400_000, using: &random) }
        spec.textFileSizes = (0..<Int.random(in: 0...2, using: &random)).map { _ in Int.random(in: 1...400_000, using: &random) }
        spec.sparseSize = Bool.random(using: &random) ? Int.random(in: 1...8, using: &random) << 20 : 0
        spec.oddNames = Bool.random(using: &random)
        spec.symlinks = Bool.random(using: &random)
        spec.hardLinks = Bool.random(using: &random)
        spec.specialModes = Bool.random(using: &random)
        spec.fifo = Bool.random(using: &random)
        spec.xattrs = Bool.random(using: &random)
        spec.foreignOwners = Bool.random(using: &random)
        return spec
    }
}

/// What was generated, for tests that change the tree afterwards.
struct GeneratedTree {
    let root: String
    /// Regular files (relative paths), including every name of a hard-linked file.
    var files: [[UInt8]] = []
    /// Plain files: not hard-linked, not special; safe to edit, delete or rename.
    var plainFiles: [[UInt8]] = []
    /// Directories (relative paths), not counting the root.
    var directories: [[UInt8]] = []
    var symlinks: [[UInt8]] = []
    /// The large text-like files and large random files (relative paths).
    var textFiles: [[UInt8]] = []
    var randomFiles: [[UInt8]] = []
    var sparseFile: [UInt8]?
    /// Whether the file system took the `user.test` attribute.
    var xattrsSupported = false
    var totalBytes = 0

    var rootBytes: [UInt8] { Array(root.utf8) }
    func absolute(_ relative: [UInt8]) -> [UInt8] { FS.join(rootBytes, relative) }
}

enum TreeGenerator {
    static let isRoot = geteuid() == 0

    /// Creates the tree `spec` describes at `root` (which must not exist). Deterministic:
    /// the same spec gives the same names, contents, modes and times.
    @discardableResult
    static func generate(at root: String, _ spec: TreeSpec) throws -> GeneratedTree {
        var random = SeededRandom(seed: spec.seed)
        var tree = GeneratedTree(root: root)
        let top = Array(root.utf8)
        try FS.mkdir(top, mode: 0o755)
        var modes: [([UInt8], mode_t)] = []
        var owners: [[UInt8]] = []

        func file(_ relative: [UInt8], _ data: [UInt8], plain: Bool = true) throws {
            try FS.writeFile(tree.absolute(relative), data)
            tree.files.append(relative)
            if plain { tree.plainFiles.append(relative) }
            tree.totalBytes += data.count
        }
        func directory(_ relative: [UInt8]) throws {
            try FS.mkdir(tree.absolute(relative))
            tree.directories.append(relative)
        }
        func name(_ text: String) -> [UInt8] { Array(text.utf8) }
        func slash(_ parts: [UInt8]...) -> [UInt8] {
            parts.dropFirst().reduce(parts[0]) { FS.join($0, $1) }
        }

        // Plain contents at the top.
        try file(name("empty"), [])
        try file(name("hello.txt"), Array("hello, world\n".utf8))
        try file(name("readme.md"), random.text(Int.random(in: 100...5_000, using: &random)))

        // Odd names.
        if spec.oddNames {
            let cafe = name("café ☕"), japanese = name("日本語"), spaced = name("dir with spaces")
            try directory(cafe)
            try file(slash(cafe, name("crème brûlée.txt")), random.text(777))
            try directory(japanese)
            try file(slash(japanese, name("ファイル.txt")), random.text(1234))
            try directory(spaced)
            try file(slash(spaced, name(" leading and trailing ")), random.text(99))
            try file(name("invalid-") + [0xFF, 0xFE, UInt8(ascii: "x")], random.bytes(321))
            try file(name("new\nline"), random.text(50))
            try file(name("tab\tand quote\"'"), random.text(60))
            try file(name("-starts-with-dash"), random.text(10))
            try file(name(String(repeating: "日", count: 85)), random.text(40))  // 255 bytes: the longest name
        }

        // Large files: random and compressible.
        if !spec.randomFileSizes.isEmpty || !spec.textFileSizes.isEmpty {
            try directory(name("large"))
            for (index, size) in spec.randomFileSizes.enumerated() {
                let path = slash(name("large"), name("random-\(index).bin"))
                try file(path, random.bytes(size))
                tree.randomFiles.append(path)
            }
            for (index, size) in spec.textFileSizes.enumerated() {
                let path = slash(name("large"), name("text-\(index).sql"))
                try file(path, random.text(size))
                tree.textFiles.append(path)
            }
        }

        // Many tiny files in one directory.
        if spec.tinyFiles > 0 {
            try directory(name("many"))
            for index in 0..<spec.tinyFiles {
                let size = Int.random(in: 0...48, using: &random)
                try file(slash(name("many"), name(String(format: "tiny-%05d", index))), random.bytes(size))
            }
        }

        // Random nested directories.
        var frontier: [[UInt8]] = [[]]
        for level in 0..<spec.depth {
            var next: [[UInt8]] = []
            for parent in frontier {
                for index in 0..<Int.random(in: spec.directoriesPerLevel, using: &random) {
                    let child = parent.isEmpty ? name("d\(level)-\(index)") : slash(parent, name("d\(level)-\(index)"))
                    try directory(child)
                    for fileIndex in 0..<Int.random(in: spec.filesPerDirectory, using: &random) {
                        let size = Int.random(in: 0...spec.smallFileMaximum, using: &random)
                        let data = Bool.random(using: &random) ? random.text(size) : random.bytes(size)
                        try file(slash(child, name("f\(fileIndex).dat")), data)
                    }
                    next.append(child)
                }
            }
            frontier = next
        }

        // Symlinks: relative, absolute, dangling, to a directory.
        if spec.symlinks {
            try directory(name("links"))
            let links: [(String, [UInt8])] = [
                ("relative", name("../hello.txt")),
                ("absolute", tree.absolute(name("hello.txt"))),
                ("absolute-outside", name("/etc/hostname")),
                ("dangling", name("does/not/exist")),
                ("to-directory", name("..")),
            ]
            for (linkName, target) in links {
                let path = slash(name("links"), name(linkName))
                try FS.symlink(target, at: tree.absolute(path))
                tree.symlinks.append(path)
            }
        }

        // Hard links: three names for one inode (two directories), two for another.
        if spec.hardLinks {
            try directory(name("hard"))
            try directory(name("hard-other"))
            let first = slash(name("hard"), name("one"))
            try file(first, random.text(10_000), plain: false)
            for other in [slash(name("hard"), name("two")), slash(name("hard-other"), name("three"))] {
                try FS.link(tree.absolute(first), tree.absolute(other))
                tree.files.append(other)
            }
            let pairFirst = slash(name("hard"), name("pair-a"))
            try file(pairFirst, random.bytes(5_000), plain: false)
            try FS.link(tree.absolute(pairFirst), tree.absolute(slash(name("hard"), name("pair-b"))))
            tree.files.append(slash(name("hard"), name("pair-b")))
        }

        // A sparse file: a large hole with a few written regions.
        if spec.sparseSize > 0 {
            let path = name("sparse.img")
            let absolute = tree.absolute(path)
            let fd = try FS.check("create", absolute) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
            defer { close(fd) }
            guard ftruncate(fd, off_t(spec.sparseSize)) == 0 else { throw FS.Failure(call: "ftruncate", path: absolute, code: errno) }
            try FS.writeAll(fd, random.bytes(4096), at: 0, path: absolute)
            try FS.writeAll(fd, random.bytes(min(1 << 20, spec.sparseSize / 4)), at: off_t(spec.sparseSize / 2), path: absolute)
            try FS.writeAll(fd, Array("the end\n".utf8), at: off_t(spec.sparseSize - 8), path: absolute)
            tree.files.append(path)
            tree.sparseFile = path
        }

        // Modes.
        if spec.specialModes {
            try directory(name("modes"))
            for (fileName, mode) in [("private-0600", 0o600), ("script-0755", 0o755), ("group-0640", 0o640),
                                     ("readonly-0444", 0o444), ("none-0000", 0o000)] as [(String, mode_t)] {
                let path = slash(name("modes"), name(fileName))
                try file(path, random.text(200))
                modes.append((path, mode))
            }
            let setgid = slash(name("modes"), name("setgid-2775"))
            try directory(setgid)
            try file(slash(setgid, name("inside")), random.text(30))
            modes.append((setgid, 0o2775))
            let sticky = slash(name("modes"), name("sticky-1777"))
            try directory(sticky)
            try file(slash(sticky, name("inside")), random.text(30))
            modes.append((sticky, 0o1777))
            let closed = slash(name("modes"), name("closed-0700"))
            try directory(closed)
            modes.append((closed, 0o700))
            let readOnly = slash(name("modes"), name("readonly-dir-0555"))
            try directory(readOnly)
            try file(slash(readOnly, name("inside")), random.text(30))
            modes.append((readOnly, 0o555))
        }

        if spec.fifo {
            try FS.mkfifo(tree.absolute(name("fifo")), mode: 0o640)
        }

        if spec.xattrs {
            let path = name("with-xattr.txt")
            try file(path, random.text(300), plain: false)
            do {
                try FS.setXattr(tree.absolute(path), "user.test", Array("value with bytes \u{1} ✓".utf8))
                try FS.setXattr(tree.absolute(path), "user.empty", [])
                try FS.mkdir(tree.absolute(name("dir-with-xattr")))
                tree.directories.append(name("dir-with-xattr"))
                try FS.setXattr(tree.absolute(name("dir-with-xattr")), "user.directory", Array("on a directory".utf8))
                tree.xattrsSupported = true
            } catch let failure as FS.Failure where failure.code == ENOTSUP || failure.code == EPERM {
                tree.xattrsSupported = false  // the temporary file system refuses user xattrs
            }
        }

        if spec.foreignOwners && isRoot {
            try directory(name("owned"))
            try file(slash(name("owned"), name("by-1234")), random.text(100), plain: false)
            try FS.symlink(name("by-1234"), at: tree.absolute(slash(name("owned"), name("link-by-1234"))))
            owners += [name("owned"), slash(name("owned"), name("by-1234")), slash(name("owned"), name("link-by-1234"))]
            try file(slash(name("owned"), name("by-root")), random.text(100), plain: false)
            // Setuid and setgid survive only if the owner is set before the mode.
            let setuid = slash(name("owned"), name("setuid-setgid-1234"))
            try file(setuid, random.bytes(64), plain: false)
            owners.append(setuid)
            modes.append((setuid, 0o6755))
        }

        // Owners, then modes (a change of owner may clear setgid bits), then times, deepest
        // entries first so that setting a directory's time comes after its contents change.
        for path in owners { try FS.lchown(tree.absolute(path), 1234, 1234) }
        for (path, mode) in modes { try FS.chmod(tree.absolute(path), mode) }
        try setTimes(tree: tree, random: &random)
        // Times outside the usual range: before 1970, and far in the future.
        if FS.exists(tree.absolute(name("hello.txt"))) {
            try FS.setTimes(tree.absolute(name("hello.txt")), seconds: -14_182_940, nanoseconds: 123_456_789)  // 1969-07-20
        }
        if FS.exists(tree.absolute(name("readme.md"))) {
            try FS.setTimes(tree.absolute(name("readme.md")), seconds: 4_102_444_800, nanoseconds: 999_999_999)  // 2100-01-01
        }
        return tree
    }

    /// Gives every entry (and the root) a modification time between 2001 and 2021 with
    /// nanoseconds, children before their directories.
    static func setTimes(tree: GeneratedTree, random: inout SeededRandom) throws {
        func visit(_ path: [UInt8]) throws {
            let status = try FS.lstat(path)
            if status.st_mode & S_IFMT == S_IFDIR {
                for child in try FS.list(path) { try visit(FS.join(path, child)) }
            }
            let seconds = Int.random(in: 978_307_200...1_609_459_200, using: &random)  // 2001 … 2021
            let nanoseconds = Int.random(in: 1...999_999_999, using: &random)
            try FS.setTimes(path, seconds: seconds, nanoseconds: nanoseconds)
        }
        try visit(tree.rootBytes)
    }

    /// Regular files below `root` (relative paths), each name of a hard link counted.
    static func regularFiles(under root: String) throws -> [[UInt8]] {
        var result: [[UInt8]] = []
        func visit(_ relative: [UInt8]) throws {
            let absolute = relative.isEmpty ? Array(root.utf8) : FS.join(Array(root.utf8), relative)
            for child in try FS.list(absolute) {
                let childRelative = relative.isEmpty ? child : FS.join(relative, child)
                let status = try FS.lstat(FS.join(absolute, child))
                switch status.st_mode & S_IFMT {
                case S_IFDIR: try visit(childRelative)
                case S_IFREG: result.append(childRelative)
                default: break
                }
            }
        }
        try visit([])
        return result
    }
}
