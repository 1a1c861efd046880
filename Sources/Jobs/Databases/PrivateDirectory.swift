import Foundation
import Posix

/// A temporary directory only this user can enter, removed with everything in it.
final class PrivateDirectory {
    let path: String

    /// Creates `TMPDIR/<prefix>XXXXXX` (mode 0700); throws the system's reason.
    init(prefix: String) throws {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw PrivateDirectoryError(reason: "cannot create a temporary directory in \(NSTemporaryDirectory()): \(Errno.message(errno))")
        }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct PrivateDirectoryError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
