import Foundation
import Posix

/// A restore target that is a plain file (sqlite and command sources): written beside itself
/// and renamed into place, so a failed restore never leaves half a file under its name.
enum FileTarget {
    static func state(_ path: String) throws -> RestoreTargetState {
        let info: stat
        do throws(Errno) {
            info = try FileDescriptor.workingDirectory.status(of: path)
        } catch {
            if error == .noSuchFile { return .missing }
            throw DatabaseError.restoreFailed(target: path, detail: "cannot inspect it: \(error)")
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
        let (file, temporary): (FileDescriptor, String)
        do throws(Errno) {
            (file, temporary) = try FileDescriptor.createUnique(target + ".repo-tmp-XXXXXX")
        } catch {
            throw DatabaseError.restoreFailed(target: target, detail: "cannot create a file beside it: \(error)")
        }
        let descriptor = file.rawValue
        let here = FileDescriptor.workingDirectory
        var open = true
        var renamed = false
        defer {
            if open { try? file.close() }
            if !renamed { try? here.removeFile(temporary) }
        }
        keepOwnerAndMode(of: target, on: file)
        do {
            try writeDump(descriptor)
        } catch {
            // A full disk is the target's problem, and the line must name it; any other
            // failure of the writer (reading the repository) is the writer's to tell.
            guard let code = fullDiskCode(error) else { throw error }
            throw DatabaseError.restoreFailed(target: target, detail: "cannot write \(temporary): \(Errno.message(code))")
        }
        // fsync and close report what write-back found (a full disk, an I/O error).
        do throws(Errno) {
            open = false
            try file.syncAndClose()
        } catch {
            throw DatabaseError.restoreFailed(target: target, detail: "cannot write \(temporary): \(error)")
        }
        try verify(temporary)
        do throws(Errno) {
            try here.rename(temporary, to: target)
        } catch {
            throw DatabaseError.restoreFailed(target: target, detail: "cannot rename \(temporary) over it: \(error)")
        }
        renamed = true
        syncDirectory(of: target)
    }

    static func remove(_ path: String) throws {
        do throws(Errno) {
            try FileDescriptor.workingDirectory.removeFile(path)
        } catch where error == .noSuchFile {
            return
        } catch {
            throw DatabaseError.restoreFailed(target: path, detail: "cannot delete it: \(error)")
        }
    }

    /// A new path under `directory` for a drill's scratch file.
    static func scratch(in directory: String, for name: String, extension suffix: String) -> String {
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return "\(base)/\(ScratchName.make(for: name)).\(suffix)"
    }

    /// A replaced file keeps its owner and mode (an application may run as another user); a
    /// new one stays private to this user (0600 from mkstemp), as the dump's data may be.
    private static func keepOwnerAndMode(of target: String, on file: FileDescriptor) {
        guard let info = try? FileDescriptor.workingDirectory.status(of: target) else { return }
        try? file.setOwner(uid: info.st_uid, gid: info.st_gid)
        try? file.setMode(info.st_mode & 0o7777)
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
        try? FileDescriptor.workingDirectory.syncDirectory(directory.isEmpty ? "." : directory)
    }
}
