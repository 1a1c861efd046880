import Foundation
import Posix

/// Files that readers must never see half written (job state, schedules, Prometheus
/// textfiles): written to a temporary name beside the target, given their mode, fsynced,
/// then renamed over it. One place for what three writers did alike.
enum AtomicFile {
    /// Writes `bytes` to `path`; throws the reason (strerror) as text.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(AtomicFileError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw AtomicFileError(reason: Errno.message(errno)) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            written += count
        }
        // The umask may have narrowed the mode: cron and systemd need to read schedules.
        let ok = written == bytes.count && fchmod(fd, mode) == 0 && fsync(fd) == 0
        let reason = Errno.message(errno)
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let renameReason = Errno.message(errno)
            unlink(temporary)
            throw AtomicFileError(reason: ok ? renameReason : reason)
        }
    }
}

struct AtomicFileError: Error {
    let reason: String
}
