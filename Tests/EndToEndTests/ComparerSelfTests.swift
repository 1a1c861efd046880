import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The comparer must see every kind of difference, or the round-trip tests prove nothing.
@Suite struct ComparerSelfTests {
    @Test func comparerSeesEveryKindOfDifference() throws {
        let workspace = try Workspace("comparer")
        defer { workspace.remove() }
        let expected = workspace.path("a")
        var spec = TreeSpec(seed: 77)
        spec.tinyFiles = 20
        spec.randomFileSizes = [100_000]
        spec.textFileSizes = [100_000]
        spec.sparseSize = 4 << 20
        let tree = try TreeGenerator.generate(at: expected, spec)
        #expect(TreeComparer.compare(expected, expected).isEmpty, "a tree equals itself")

        /// A fresh faithful copy (cp -a keeps modes, owners, times, links, xattrs and holes).
        var copies = 0
        func copy() throws -> String {
            copies += 1
            let path = workspace.path("copy-\(copies)")
            let result = try runProgram("/bin/cp", ["-a", "--sparse=always", expected, path])
            #expect(result.status == 0, "\(result)")
            return path
        }
        let faithful = try copy()
        #expect(TreeComparer.compare(expected, faithful).isEmpty, "\(report(TreeComparer.compare(expected, faithful)))")

        func expectDifference(_ what: String, _ mentioning: String, change: ([UInt8]) throws -> Void) throws {
            let actual = try copy()
            try change(Array(actual.utf8))
            let differences = TreeComparer.compare(expected, actual)
            #expect(differences.contains { $0.contains(mentioning) }, "\(what): expected a difference mentioning \(mentioning), got:\n\(report(differences))")
        }
        func keepingTime(_ path: [UInt8], _ body: () throws -> Void) throws {
            let before = try FS.lstat(path)
            try body()
            try FS.setTimes(path, seconds: before.st_mtim.tv_sec, nanoseconds: before.st_mtim.tv_nsec)
        }
        let text = try #require(tree.textFiles.first)
        try expectDifference("one byte of content", "contents differ") { root in
            let path = FS.join(root, text)
            try keepingTime(path) { try FS.patch(path, at: 500, [0x00]) }
        }
        try expectDifference("a mode bit", "mode") { root in try FS.chmod(FS.join(root, Array("hello.txt".utf8)), 0o4644) }
        try expectDifference("the setgid bit of a directory", "mode 2775") { root in
            let path = FS.join(root, Array("modes/setgid-2775".utf8))
            try keepingTime(path) { try FS.chmod(path, 0o775) }
        }
        try expectDifference("a nanosecond of mtime", "mtime") { root in
            let path = FS.join(root, Array("hello.txt".utf8))
            let status = try FS.lstat(path)
            try FS.setTimes(path, seconds: status.st_mtim.tv_sec, nanoseconds: (status.st_mtim.tv_nsec + 1) % 1_000_000_000)
        }
        try expectDifference("the mtime of a symlink", "mtime") { root in
            try FS.setTimes(FS.join(root, Array("links/dangling".utf8)), seconds: 1_234_567_890, nanoseconds: 0)
        }
        try expectDifference("the owner", "uid") { root in try FS.lchown(FS.join(root, Array("readme.md".utf8)), 4321, UInt32.max) }
        try expectDifference("a symlink target", "symlink target") { root in
            let path = FS.join(root, Array("links/relative".utf8))
            try FS.unlink(path)
            try FS.symlink(Array("../readme.md".utf8), at: path)
        }
        try expectDifference("a missing file with a name that is not UTF-8", "invalid-\\xff\\xfex: missing") { root in
            try FS.unlink(FS.join(root, Array("invalid-".utf8) + [0xFF, 0xFE, UInt8(ascii: "x")]))
        }
        try expectDifference("an extra file", "unexpected") { root in try FS.writeFile(FS.join(root, Array("extra".utf8)), []) }
        try expectDifference("a FIFO turned file", "type fifo expected") { root in
            let path = FS.join(root, Array("fifo".utf8))
            try FS.unlink(path)
            try FS.writeFile(path, [])
        }
        try expectDifference("a broken hard link", "hard links") { root in
            let path = FS.join(root, Array("hard/two".utf8))
            let status = try FS.lstat(path)
            let contents = try FS.readFile(path)
            try FS.unlink(path)
            try FS.writeFile(path, contents)
            try FS.lchown(path, status.st_uid, status.st_gid)
            try FS.chmod(path, status.st_mode & 0o7777)
            try FS.setTimes(path, seconds: status.st_mtim.tv_sec, nanoseconds: status.st_mtim.tv_nsec)
        }
        try expectDifference("a filled-in sparse file", "not sparse") { root in
            let path = FS.join(root, Array("sparse.img".utf8))
            let dense = workspace.path("dense.img")
            let result = try runProgram("/bin/cp", ["-a", "--sparse=never", String(decoding: path, as: UTF8.self), dense])
            #expect(result.status == 0)
            try FS.rename(Array(dense.utf8), path)
        }
        if tree.xattrsSupported {
            try expectDifference("an extended attribute", "xattrs") { root in
                try FS.setXattr(FS.join(root, Array("with-xattr.txt".utf8)), "user.test", Array("other".utf8))
            }
        }
    }
}
