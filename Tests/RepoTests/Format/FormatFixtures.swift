import Codec
import Crypto
import Foundation
@testable import Repo
@testable import Storage
import TestSupport
import Testing

/// Helpers shared by the format-layer tests. Everything lives in this namespace so that
/// nothing clashes with the helpers of other test folders in the same module.
enum FormatFixtures {
    /// scrypt costs that make key derivation take a millisecond: tests are not attacked.
    static let cheapScrypt = Scrypt.Parameters(n: 1024, r: 8, p: 1)

    typealias Generator = SeededGenerator

    static func digest(_ bytes: [UInt8]) -> Digest256 {
        bytes.withUnsafeBytes { Digest256(bytes: $0) }
    }

    /// Text-like bytes that deflate shrinks well.
    static func compressible(_ count: Int, using generator: inout Generator) -> [UInt8] {
        let words = ["alpha ", "beta ", "gamma ", "delta\n", "epsilon ", "zeta ", "eta\t", "theta "].map { Array($0.utf8) }
        var out = [UInt8]()
        out.reserveCapacity(count + 16)
        while out.count < count { out.append(contentsOf: words[Int(generator.next() % UInt64(words.count))]) }
        out.removeLast(out.count - count)
        return out
    }

    /// A pack writer with a pool of its own, whose buffers hold the target plus 1 MiB.
    static func packWriter(_ type: BlobType, keys: RepositoryKeys, targetSize: Int = 1 << 20) throws -> PackWriter {
        try PackWriter(type: type, keys: keys, compressor: BlobCompressor(), targetSize: targetSize,
                       pool: PackBufferPool(bufferSize: targetSize + (1 << 20), count: 1))
    }

    /// Flips bits of the byte at `position` of the file at `path`: damage on disk.
    static func flipByte(at position: Int, of path: String, mask: UInt8 = 0x40) throws {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        try #require(fd >= 0)
        defer { Glibc.close(fd) }
        var byte: UInt8 = 0
        try #require(pread(fd, &byte, 1, off_t(position)) == 1)
        byte ^= mask
        try #require(pwrite(fd, &byte, 1, off_t(position)) == 1)
    }

    /// A pack writer for `repository`'s blob keys (a pack stored behind its index's back).
    static func packWriter(_ type: BlobType, in repository: Repository, targetSize: Int = 1 << 20) throws -> PackWriter {
        try repository.blobs.packWriter(type, compressor: BlobCompressor(), targetSize: targetSize,
                                        pool: PackBufferPool(bufferSize: targetSize + (1 << 20), count: 1), stream: nil)
    }

    // MARK: Exit tests

    /// Decoders must never crash, but a crash in the test process would end every test of
    /// the run. So the fuzz and truncation tests run their checks in a child process (an
    /// exit test): the check returns its failures, and this ends the child with them.
    /// A failed `#expect(processExitsWith:)` returns no result, so a test whose child failed
    /// runs it once more, expecting `.failure`, to record what the child wrote.
    static func finishChild(_ failures: [String]) {
        guard !failures.isEmpty else { return }
        let text = "\(failures.count) failures:\n" + failures.prefix(20).joined(separator: "\n") + "\n"
        FileHandle.standardError.write(Data(text.utf8))
        exit(3)
    }

    /// Records what a failed child reported: its failures, or the gist of its crash report.
    static func recordChild(_ result: ExitTest.Result?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let result, result.exitStatus != .exitCode(EXIT_SUCCESS) else { return }
        let lines = String(decoding: result.standardErrorContent, as: UTF8.self).split(separator: "\n")
        let gist: [Substring]
        if result.exitStatus == .exitCode(3) {
            gist = Array(lines.prefix(21))
        } else {
            // A crash: the fatal error and the frames in the product's sources.
            gist = Array(lines.filter { $0.contains("Fatal error") || $0.contains("crashed") }.prefix(3))
                + Array(lines.filter { $0.contains("/Sources/") }.prefix(6))
        }
        Issue.record(Comment(rawValue: "child process \(result.exitStatus):\n" + gist.joined(separator: "\n")),
                     sourceLocation: sourceLocation)
    }

    /// Whether `error` is `FormatError.corrupt`.
    static func isCorrupt(_ error: any Error) -> Bool {
        if case .corrupt = error as? FormatError { return true }
        return false
    }

    /// A fresh directory under /tmp; the caller removes it with `removeDirectory` in a defer.
    static func makeDirectory() throws -> String {
        var template = Array("/tmp/repo-format-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(created != nil, "mkdtemp failed: errno \(errno)")
        return String(cString: created!)
    }

    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A new repository in `directory`/repo with cheap scrypt costs.
    static func makeRepository(in directory: String, password: String = "correct horse",
                               parameters: RepositoryParameters = .init()) throws -> (Repository, LocalBackend) {
        let backend = try LocalBackend.create(at: "\(directory)/repo")
        let repository = try Repository.initialize(backend: backend, password: Array(password.utf8),
                                                   parameters: parameters, scrypt: cheapScrypt)
        return (repository, backend)
    }

    static func open(_ directory: String, password: String) throws -> Repository {
        try Repository.open(backend: try LocalBackend(existingAt: "\(directory)/repo"), password: Array(password.utf8),
                            cacheDirectory: nil)
    }
}

extension SeededGenerator {
    mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count {
            withUnsafeBytes(of: next()) { out.append(contentsOf: $0) }
        }
        out.removeLast(out.count - count)
        return out
    }

    mutating func digest() -> Digest256 {
        var words = (next(), next(), next(), next())
        return withUnsafeBytes(of: &words) { Digest256(bytes: $0) }
    }
}
