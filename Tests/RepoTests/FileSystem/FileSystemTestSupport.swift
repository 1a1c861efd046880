import Foundation
import Posix
@testable import Repo
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp for one test, removed with everything in it when the test
/// lets go of it (`rm -rf`, which copes with names that are not UTF-8 and with modes that
/// forbid access, since the tests run as root).
final class ScratchTree {
    let path: FilePath

    init() throws {
        var template = Array("/tmp/repo-fs-test-XXXXXX".utf8CString)
        let created = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) })
        path = FilePath(String(cString: created))
        try #require(chmod(created, 0o755) == 0)
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

    /// glibc's `makedev`, which Swift's Glibc module does not import.
    static func deviceNumber(major: UInt32, minor: UInt32) -> dev_t {
        let major = dev_t(major), minor = dev_t(minor)
        return (major & 0xFFF) << 8 | (major & ~0xFFF) << 32 | (minor & 0xFF) | (minor & ~0xFF) << 12
    }
}

/// Test fixtures made and inspected with plain system calls, independent of the code tested.
extension FilePath {
    /// Runs a system call on this path, failing the test with errno if it fails.
    @discardableResult
    func perform(_ operation: String, _ call: (UnsafePointer<CChar>) -> Int32) throws -> Int32 {
        let result = withCPath(call)
        try #require(result != -1, "\(operation) \(self): \(String(cString: strerror(errno)))")
        return result
    }

    private func withCPath<Result>(_ body: (UnsafePointer<CChar>) -> Result) -> Result {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// Exactly `mode`, whatever the umask.
    func makeDirectory(mode: mode_t = 0o755) throws {
        try perform("mkdir") { mkdir($0, mode) }
        try perform("chmod") { chmod($0, mode) }
    }

    /// A file with `contents` and exactly `mode`, whatever the umask.
    func writeFile(_ contents: [UInt8] = [], mode: mode_t = 0o644) throws {
        let descriptor = try perform("create") { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        defer { close(descriptor) }
        try #require(fchmod(descriptor, mode) == 0)
        let written = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        try #require(written == contents.count)
    }

    func writeFile(_ text: String, mode: mode_t = 0o644) throws {
        try writeFile(Array(text.utf8), mode: mode)
    }

    func makeSymlink(to target: String) throws {
        try perform("symlink") { symlink(target, $0) }
    }

    /// `lstat`.
    func status() throws -> stat {
        var status = stat()
        try perform("lstat") { lstat($0, &status) }
        return status
    }

    var exists: Bool {
        var status = stat()
        return withCPath { lstat($0, &status) } == 0
    }

    func contents() throws -> String {
        let descriptor = try perform("open") { open($0, O_RDONLY | O_CLOEXEC) }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        try #require(count >= 0)
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// The names in this directory, sorted, as text.
    func listing() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: try #require(string)).sorted()
    }

    /// Sets the attribute, or returns false when the file system has no user attributes, so
    /// that tests of them can step aside there.
    func setUserAttribute(_ name: String, _ value: String) throws -> Bool {
        do throws(Errno) {
            try ExtendedAttributeHolder.path(bytes).write(name: Array(name.utf8), value: Array(value.utf8))
            return true
        } catch where error.code == ENOTSUP {
            return false
        }
    }
}
