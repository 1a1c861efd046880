import Foundation

/// A private directory under /tmp (not TMPDIR: the `postgres` user must be able to reach
/// it, and a unix socket path must stay under about 100 bytes).
enum ScratchDirectory {
    static func make(_ prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw DatabaseServerError("cannot create a directory in /tmp: \(String(cString: strerror(errno)))")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
