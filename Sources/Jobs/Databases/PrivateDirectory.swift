import Foundation
import Posix

/// A temporary directory only this user can enter, removed with everything in it.
final class PrivateDirectory {
    let path: String

    /// Creates `TMPDIR/<prefix>XXXXXX` (mode 0700); throws the system's reason.
    init(prefix: String) throws {
        do throws(Errno) {
            path = try FileDescriptor.makeUniqueDirectory(NSTemporaryDirectory() + "/\(prefix)XXXXXX")
        } catch {
            throw PrivateDirectoryError(reason: "cannot create a temporary directory in \(NSTemporaryDirectory()): \(error)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct PrivateDirectoryError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
