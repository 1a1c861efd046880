import Foundation
import Testing
@testable import Repo

#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp for one test, removed with everything in it when the test
/// lets go of it (`rm -rf`, which copes with names that are not UTF-8 and with modes that
/// forbid access, since the tests run as root).
final class TemporaryDirectory {
    let path: FilePath

    init() throws {
        var template = Array("/tmp/repo-fs-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(created != nil, "mkdtemp failed: errno \(errno)")
        path = FilePath(String(cString: created!))
        try #require(chmod(created!, 0o755) == 0)
    }

    deinit {
        let remove = Process()
        remove.executableURL = URL(fileURLWithPath: "/bin/rm")
        remove.arguments = ["-rf", path.string!]
        try? remove.run()
        remove.waitUntilExit()
    }

    /// The path of `relative` (bytes, so names that are not UTF-8 can be made) in here.
    func callAsFunction(_ relative: [UInt8]) -> FilePath {
        FilePath(bytes: path.bytes + [FilePath.separator] + relative)
    }

    func callAsFunction(_ relative: String) -> FilePath {
        self(Array(relative.utf8))
    }
}

/// Runs a system call on a path in a test, failing the test with errno if it fails.
@discardableResult
func check(_ operation: String, _ path: FilePath, _ call: (UnsafePointer<CChar>) -> Int32) throws -> Int32 {
    let result = (path.bytes + [0]).withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { call($0.baseAddress!) }
    }
    try #require(result != -1, "\(operation) \(path): \(String(cString: strerror(errno)))")
    return result
}

/// Exactly `mode`, whatever the umask.
func makeDirectory(_ path: FilePath, mode: mode_t = 0o755) throws {
    try check("mkdir", path) { mkdir($0, mode) }
    try check("chmod", path) { chmod($0, mode) }
}

/// A file with `contents` and exactly `mode`, whatever the umask.
func writeFile(_ path: FilePath, _ contents: [UInt8] = [], mode: mode_t = 0o644) throws {
    let descriptor = try check("create", path) { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
    defer { close(descriptor) }
    try #require(fchmod(descriptor, mode) == 0)
    let written = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    try #require(written == contents.count)
}

func writeFile(_ path: FilePath, _ text: String, mode: mode_t = 0o644) throws {
    try writeFile(path, Array(text.utf8), mode: mode)
}

func makeSymlink(_ path: FilePath, to target: String) throws {
    try check("symlink", path) { symlink(target, $0) }
}

func lstatus(_ path: FilePath) throws -> stat {
    var status = stat()
    try check("lstat", path) { lstat($0, &status) }
    return status
}

func exists(_ path: FilePath) -> Bool {
    var status = stat()
    return (path.bytes + [0]).withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { lstat($0.baseAddress!, &status) == 0 }
    }
}

/// Sets the attribute, or returns false when the file system has no user attributes, so that
/// tests of them can step aside there.
func setUserAttribute(_ path: FilePath, _ name: String, _ value: String) throws -> Bool {
    do {
        try ExtendedAttributeHolder.path(path.bytes).write(ExtendedAttribute(name: name, value: Array(value.utf8)))
        return true
    } catch where error.code == ENOTSUP {
        return false
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
