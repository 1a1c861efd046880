import Foundation
import Jobs
import XCTest

/// Moving dumps between engines and files the way `repo` would: read a `DumpStream` to EOF,
/// then feed saved bytes to a restore.
enum DumpFiles {
    /// Reads `stream` to EOF, then finishes it (which throws for a failed dump).
    static func read(_ stream: DumpStream) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(stream.fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        try stream.finish()
        return bytes
    }

    /// A `writeDump` that writes `bytes`, failing as a real writer would (EPIPE included).
    static func writer(_ bytes: [UInt8]) -> (Int32) throws -> Void {
        { descriptor in
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                offset += written
            }
        }
    }

    /// A fresh temporary directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "/repo-jobs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// Asserts that `body` throws a `DatabaseError` matching `expected` and returns its text.
@discardableResult
func assertDatabaseError<T>(_ body: @autoclosure () throws -> T, _ expected: (DatabaseError) -> Bool,
                         file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
        _ = try body()
        XCTFail("no error thrown", file: file, line: line)
    } catch let error as DatabaseError {
        XCTAssertTrue(expected(error), "unexpected error: \(error)", file: file, line: line)
        return error.description
    } catch {
        XCTFail("not a DatabaseError: \(error)", file: file, line: line)
    }
    return ""
}
