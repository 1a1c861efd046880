import Foundation
import Posix

/// Files that readers must never see half written (job state, schedules, Prometheus
/// textfiles): written to a temporary name beside the target, given their mode, fsynced,
/// then renamed over it. One place for what three writers did alike.
enum AtomicFile {
    /// Writes `bytes` to `path`; throws the reason (strerror) as text.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(AtomicFileError) {
        let temporary = "\(path).tmp-\(getpid())"
        let here = FileDescriptor.workingDirectory
        do throws(Errno) {
            let file = try FileDescriptor.open(temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
            do throws(Errno) {
                try bytes.withUnsafeBytes { bytes in Result { () throws(Errno) in try file.writeAll(bytes) } }.get()
                // The umask may have narrowed the mode: cron and systemd need to read schedules.
                try file.setMode(mode)
                try file.sync()
                try? file.close()
                try here.rename(temporary, to: path)
            } catch {
                try? file.close()
                try? here.removeFile(temporary)
                throw error
            }
        } catch {
            throw AtomicFileError(reason: error.description)
        }
    }
}

struct AtomicFileError: Error {
    let reason: String
}
