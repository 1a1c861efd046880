import Foundation

/// Where a PostgreSQL base backup starts and stops in the WAL (docs/format.md, "Snapshots":
/// the field `postgres`), so that a point-in-time restore picks the right backup and knows
/// which WAL it needs, and retention which WAL it may drop.
public struct PostgresBaseBackup: Codable, Sendable, Equatable {
    public var timeline: UInt32
    /// `pg_basebackup`'s "write-ahead log start point", e.g. `0/2000028`.
    public var startLSN: String
    /// Its "write-ahead log end point": the backup is consistent once recovery reaches it.
    public var stopLSN: String
    /// The WAL segment that holds `startLSN`: the oldest WAL this backup needs.
    public var startWAL: String
    /// When the backup ended: recovery targets before it cannot be reached from it.
    public var stopTime: Date
    /// The server's WAL segment size in bytes (16 MiB unless initdb said otherwise).
    public var segmentSize: UInt64

    public init(timeline: UInt32, startLSN: String, stopLSN: String, startWAL: String, stopTime: Date, segmentSize: UInt64) {
        self.timeline = timeline
        self.startLSN = startLSN
        self.stopLSN = stopLSN
        self.startWAL = startWAL
        self.stopTime = stopTime
        self.segmentSize = segmentSize
    }

    enum CodingKeys: String, CodingKey {
        case timeline, startLSN = "start_lsn", stopLSN = "stop_lsn", startWAL = "start_wal", stopTime = "stop_time"
        case segmentSize = "segment_size"
    }

    /// Reads the positions from `pg_basebackup --verbose`'s standard error: "write-ahead log
    /// start point: 0/2000028 on timeline 1" and "write-ahead log end point: 0/2000100".
    public static func parse(verboseOutput text: String, stopTime: Date, segmentSize: UInt64) -> PostgresBaseBackup? {
        var start: (lsn: String, timeline: UInt32)?
        var stop: String?
        for line in text.split(separator: "\n") {
            if let range = line.range(of: "write-ahead log start point: ") {
                let words = line[range.upperBound...].split(separator: " ")
                if let lsn = words.first, words.count >= 4, words[1] == "on", words[2] == "timeline", let timeline = UInt32(words[3]) {
                    start = (String(lsn), timeline)
                }
            } else if let range = line.range(of: "write-ahead log end point: ") {
                stop = line[range.upperBound...].split(separator: " ").first.map(String.init)
            }
        }
        guard let start, let stop, let startLSN = LSN.parse(start.lsn), LSN.parse(stop) != nil else { return nil }
        return PostgresBaseBackup(timeline: start.timeline, startLSN: start.lsn, stopLSN: stop,
                                  startWAL: WALFileName.segment(containing: startLSN, timeline: start.timeline, segmentSize: segmentSize),
                                  stopTime: stopTime, segmentSize: segmentSize)
    }
}
