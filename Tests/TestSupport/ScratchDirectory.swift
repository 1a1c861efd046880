import Foundation

/// A fresh directory under the system's temporary directory, removed with everything in it
/// when the value goes away.
public final class ScratchDirectory: Sendable {
    public let path: String

    public init() throws {
        var template = Array((NSTemporaryDirectory() + "/repo-tests-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        path = String(cString: created)
    }

    deinit {
        // Tests make directories read-only; give permissions back so removal can finish.
        _ = chmod(path, 0o700)
        if let paths = FileManager.default.enumerator(atPath: path) {
            for case let relative as String in paths { _ = chmod("\(path)/\(relative)", 0o700) }
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
