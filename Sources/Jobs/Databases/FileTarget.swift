import Foundation
import Posix

/// A restore target that is a plain file (sqlite and command sources): written beside itself
/// and renamed into place, so a failed restore never leaves half a file under its name.
enum FileTarget {
    static func state(_ path: String) throws -> RestoreTargetState {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return .missing }
            throw DatabaseError.restoreFailed(target: path, detail: "cannot inspect it: \(message(code))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw DatabaseError.restoreFailed(target: path, detail: "it is a directory; give a file path")
        }
        return info.st_size == 0 ? .empty : .nonEmpty
    }

    /// Writes the dump to `TARGET.repo-tmp-XXXXXX`, syncs it, lets `verify` check the synced
    /// file (it throws to reject it), then renames it over `target`.
    static func write(to target: String, replace: Bool, writeDump: (Int32) throws -> Void,
                      verify: (String) throws -> Void = { _ in }) throws {
        if try state(target) == .nonEmpty, !replace { throw DatabaseError.targetNotEmpty(target: target) }
        var template = Array((target + ".repo-tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw DatabaseError.restoreFailed(target: target, detail: "cannot create a file beside it: \(message(errno))")
        }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var open = true
        var renamed = false
        defer {
            if open { close(descriptor) }
            if !renamed { unlink(temporary) }
        }
        keepOwnerAndMode(of: target, on: descriptor)
        do {
            try writeDump(descriptor)
        } catch {
            // A full disk is the target's problem, and the line must name it; any other
            // failure of the writer (reading the repository) is the writer's to tell.
            guard let code = fullDiskCode(error) else { throw error }
            throw DatabaseError.restoreFailed(target: target, detail: "cannot write \(temporary): \(message(code))")
        }
        // fsync and close report what write-back found (a full disk, an I/O error).
        guard fsync(descriptor) == 0 else { throw writeFailure(target, temporary) }
        open = false
        guard close(descriptor) == 0 else { throw writeFailure(target, temporary) }
        try verify(temporary)
        guard rename(temporary, target) == 0 else {
            throw DatabaseError.restoreFailed(target: target, detail: "cannot rename \(temporary) over it: \(message(errno))")
        }
        renamed = true
        syncDirectory(of: target)
    }

    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw DatabaseError.restoreFailed(target: path, detail: "cannot delete it: \(message(errno))")
        }
    }

    /// A new path under `directory` for a drill's scratch file.
    static func scratch(in directory: String, for name: String, extension suffix: String) -> String {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return "\(base)/\(ScratchName.make(for: name)).\(suffix)"
    }

    /// A replaced file keeps its owner and mode (an application may run as another user); a
    /// new one stays private to this user (0600 from mkstemp), as the dump's data may be.
    private static func keepOwnerAndMode(of target: String, on descriptor: Int32) {
        var info = stat()
        guard stat(target, &info) == 0 else { return }
        _ = fchown(descriptor, info.st_uid, info.st_gid)
        _ = fchmod(descriptor, info.st_mode & 0o7777)
    }

    private static func fullDiskCode(_ error: Error) -> Int32? {
        let code: Int32
        if let posix = error as? POSIXError {
            code = posix.code.rawValue
        } else if (error as NSError).domain == NSPOSIXErrorDomain {
            code = Int32((error as NSError).code)
        } else {
            return nil
        }
        return [ENOSPC, EDQUOT, EFBIG].contains(code) ? code : nil
    }

    /// Makes the rename durable; a failure here loses nothing the rename has not already done.
    private static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = Glibc.open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor >= 0 {
            fsync(descriptor)
            close(descriptor)
        }
    }

    private static func writeFailure(_ target: String, _ temporary: String) -> DatabaseError {
        DatabaseError.restoreFailed(target: target, detail: "cannot write \(temporary): \(message(errno))")
    }

    static func message(_ code: Int32) -> String { Errno.message(code) }
}
