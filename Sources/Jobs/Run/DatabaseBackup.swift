import Foundation
import Repo

/// One database source's dump, streamed into its own snapshot at the source's stable path.
/// The snapshot is saved only once the dump tool has exited 0: a truncated or failed dump
/// never looks like a good backup.
struct DatabaseBackup {
    let source: DatabaseSource
    let environment: [String: String]

    func snapshot(with archiver: Archiver) throws -> StoredSnapshot {
        let engine = DatabaseEngines.engine(for: source, environment: ChildEnvironment.forChildren(of: environment))
        let dump = try engine.startDump()
        do {
            return try archiver.snapshot(stream: dump.fileDescriptor, name: source.snapshotPath) { try dump.finish() }
        } catch {
            // The archiver stopped before EOF: drain the pipe so the dump tool can exit, and
            // reap it; the archiver's error is the one to report.
            Self.drain(dump.fileDescriptor)
            try? dump.finish()
            throw error
        }
    }

    private static func drain(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 { continue }
            if count < 0 && errno == EINTR { continue }
            return
        }
    }
}
