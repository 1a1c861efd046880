import Crypto
import Foundation
@testable import Repo
import Testing

/// WAL file names, the chain a base backup needs, what retention may drop, and the
/// positions read from pg_basebackup's output.
struct WALChainTests {
    private func record(_ name: String) -> WALRecord {
        WALRecord(name: name, size: 1, sha256: String(repeating: "0", count: 64), blobs: [], archived: Date(), host: "h")
    }

    private let mebibyte: UInt64 = 1 << 20

    private func backup(start: String, lsn: String, timeline: UInt32 = 1) -> PostgresBaseBackup {
        PostgresBaseBackup(timeline: timeline, startLSN: lsn, stopLSN: lsn, startWAL: start, stopTime: Date(), segmentSize: 16 * mebibyte)
    }

    @Test func namesAreTheFourFormsPostgreSQLArchives() {
        #expect(WALFileName("000000010000000A000000FF")?.kind == .segment)
        #expect(WALFileName("00000002.history")?.kind == .history)
        #expect(WALFileName("000000010000000000000002.00000028.backup")?.kind == .backup)
        #expect(WALFileName("000000010000000000000005.partial")?.kind == .partial)
        for bad in ["", "00000000.history", "0000000100000000000000G1", "000000010000000000000001/x", "../000000010000000000000001",
                    "00000001000000000000000a", "000000010000000000000002.0000002.backup"] {
            #expect(WALFileName(bad) == nil, "\(bad)")
        }
        // 16 MiB segments: 256 per 4 GiB "log".
        let name = WALFileName("000000010000000A000000FF")!
        #expect(name.sequence(segmentSize: 16 * mebibyte) == 10 * 256 + 255)
        #expect(WALFileName.segment(timeline: 1, sequence: 10 * 256 + 256, segmentSize: 16 * mebibyte) == "000000010000000B00000000")
        #expect(WALFileName.segment(containing: LSN.parse("0/2000028")!, timeline: 1, segmentSize: 16 * mebibyte) == "000000010000000000000002")
        #expect(LSN.format(LSN.parse("1A/2000028")!) == "1A/2000028")
    }

    @Test func aMissingSegmentAfterABackupIsAGap() {
        let names = ["000000010000000000000002", "000000010000000000000003", "000000010000000000000005", "000000010000000000000006"]
        let chain = WALChain(records: names.map(record))
        let gap = chain.gap(after: backup(start: "000000010000000000000002", lsn: "0/2000028"))
        #expect(gap?.first == "000000010000000000000004")
        #expect(gap?.count == 1)
        // From a later backup on, the chain is whole.
        #expect(chain.gap(after: backup(start: "000000010000000000000005", lsn: "0/5000028")) == nil)
        // After a promotion the numbers continue on the new timeline.
        let promoted = WALChain(records: ["000000010000000000000002", "000000010000000000000003.partial", "00000002.history",
                                          "000000020000000000000003", "000000020000000000000004"].map(record))
        #expect(promoted.gap(after: backup(start: "000000010000000000000002", lsn: "0/2000028")) == nil)
    }

    @Test func retentionDropsWhatTheOldestBackupDoesNotNeed() {
        let chain = WALChain(records: ["000000010000000000000001", "000000010000000000000002.00000028.backup", "00000002.history",
                                       "000000010000000000000003", "000000010000000000000004"].map(record))
        #expect(chain.unneeded(keeping: []).isEmpty)
        let dropped = chain.unneeded(keeping: [backup(start: "000000010000000000000003", lsn: "0/3000028"),
                                               backup(start: "000000010000000000000004", lsn: "0/4000060")]).map(\.name)
        #expect(dropped == ["000000010000000000000001", "000000010000000000000002.00000028.backup"])
        #expect(chain.newestSegment?.name == "000000010000000000000004")
    }

    @Test func positionsComeFromPgBasebackupsVerboseOutput() {
        let output = """
            pg_basebackup: initiating base backup, waiting for checkpoint to complete
            pg_basebackup: checkpoint completed
            pg_basebackup: write-ahead log start point: 0/2000028 on timeline 1
            pg_basebackup: write-ahead log end point: 0/2000138
            pg_basebackup: base backup completed
            """
        let parsed = PostgresBaseBackup.parse(verboseOutput: output, stopTime: Date(timeIntervalSince1970: 0), segmentSize: 16 * mebibyte)
        #expect(parsed == PostgresBaseBackup(timeline: 1, startLSN: "0/2000028", stopLSN: "0/2000138", startWAL: "000000010000000000000002",
                                             stopTime: Date(timeIntervalSince1970: 0), segmentSize: 16 * mebibyte))
        #expect(PostgresBaseBackup.parse(verboseOutput: "pg_basebackup: base backup completed", stopTime: Date(), segmentSize: 16 * mebibyte) == nil)
    }
}
