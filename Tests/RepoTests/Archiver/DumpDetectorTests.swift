import Codec
@testable import Repo
import TestSupport
import Testing

/// `DumpDetector` and `ContentClass`: which starts of files are database dumps.
@Suite struct DumpDetectorTests {
    /// The detector's verdict on the first 64 KiB of `text`, as the archiver samples it.
    static func isDump(_ text: String) -> Bool {
        Array(text.utf8.prefix(ContentClass.sampleSize)).withUnsafeBytes { DumpDetector.isDump($0) }
    }

    static func contentClass(_ bytes: [UInt8]) -> ContentClass {
        Array(bytes.prefix(ContentClass.sampleSize)).withUnsafeBytes { ContentClass(sample: $0, compressor: BlobCompressor()) }
    }

    typealias Sample = (name: String, make: @Sendable (inout SeededGenerator) -> String)

    /// Dumps, each long enough to fill the sample (its rows run past 64 KiB) and short.
    static let dumps: [Sample] = [
        ("pg_dump", { DumpSamples.pgDump(rows: 800, &$0) }),
        ("pg_dump, schema only", { DumpSamples.pgDump(rows: 0, &$0) }),
        ("pg_dumpall", { DumpSamples.pgDump(rows: 50, &$0).replacingOccurrences(of: "database dump", with: "database cluster dump") }),
        ("pg_dump --data-only without header", { DumpSamples.headerlessCopy(rows: 800, &$0) }),
        ("pg_dump --inserts without header", { DumpSamples.headerlessInserts(rows: 800, &$0) }),
        ("mysqldump", { DumpSamples.mysqlDump(rows: 800, &$0) }),
        ("mysqldump, one row", { DumpSamples.mysqlDump(rows: 1, &$0) }),
        ("mariadb-dump", { DumpSamples.mariaDBDump(rows: 800, &$0) }),
        ("mysqldump --compact", { DumpSamples.mysqlCompact(rows: 800, &$0) }),
        ("sqlite3 .dump", { DumpSamples.sqliteDump(rows: 800, &$0) }),
        ("sqlite3 .dump, one row", { DumpSamples.sqliteDump(rows: 1, &$0) }),
        ("pg_dump with CRLF", { DumpSamples.headerlessCopy(rows: 300, &$0).replacingOccurrences(of: "\n", with: "\r\n") }),
        ("lowercase inserts", { DumpSamples.headerlessInserts(rows: 300, &$0).lowercased() }),
    ]

    static let notDumps: [Sample] = [
        ("Swift source", { _ in DumpSamples.swiftSource(lines: 3000) }),
        ("Python source", { _ in DumpSamples.pythonSource(lines: 3000) }),
        ("access log", { DumpSamples.accessLog(lines: 800, &$0) }),
        ("JSON", { DumpSamples.json(objects: 1000, &$0) }),
        ("CSV of rows", { DumpSamples.csv(rows: 800, &$0) }),
        ("SQL migration", { _ in DumpSamples.migration() }),
        ("transaction without tables", { _ in "BEGIN TRANSACTION;\nUPDATE users SET active = 0;\nCOMMIT;\n" }),
        ("dump header below the first lines", { "# Notes\n\n" + String(repeating: "text\n", count: 10) + DumpSamples.pgDump(rows: 1, &$0) }),
        ("COPY to a file", { _ in "COPY users TO '/tmp/users.csv';\n" + String(repeating: "SELECT 1;\n", count: 10) }),
        ("empty", { _ in "" }),
    ]

    @Test(arguments: dumps.indices)
    func recognisesDumps(index: Int) {
        var generator = SeededGenerator(seed: 7)
        #expect(Self.isDump(Self.dumps[index].make(&generator)), "\(Self.dumps[index].name)")
    }

    @Test(arguments: notDumps.indices)
    func leavesOtherTextAlone(index: Int) {
        var generator = SeededGenerator(seed: 7)
        #expect(!Self.isDump(Self.notDumps[index].make(&generator)), "\(Self.notDumps[index].name)")
    }

    /// Without a header, rows make a dump when they are at least half of the sample,
    /// wherever they stand in it.
    @Test func rowsMustBeHalfOfAHeaderlessSample() {
        var generator = SeededGenerator(seed: 9)
        let rows = DumpSamples.headerlessInserts(rows: 100, &generator)
        let line = "A line of notes that is no SQL at all.\n"
        let less = String(repeating: line, count: rows.utf8.count * 4 / 5 / line.utf8.count)
        let more = String(repeating: line, count: rows.utf8.count * 5 / 4 / line.utf8.count)
        #expect(rows.utf8.count + more.utf8.count < ContentClass.sampleSize)
        #expect(Self.isDump(rows + less))
        #expect(Self.isDump(less + rows))
        #expect(!Self.isDump(rows + more))
        #expect(!Self.isDump(more + rows))
    }

    /// The sample ends wherever 64 KiB ends, inside a row or inside the COPY block.
    @Test func aSampleCutInsideARowIsStillADump() {
        var generator = SeededGenerator(seed: 3)
        let dump = Array(DumpSamples.headerlessCopy(rows: 2000, &generator).utf8)
        for cut in [100, 4_000, 30_001, ContentClass.sampleSize - 1] {
            #expect(dump.prefix(cut).withUnsafeBytes { DumpDetector.isDump($0) }, "cut at \(cut)")
        }
    }

    @Test func binaryIsNeitherDumpNorText() {
        var generator = SeededGenerator(seed: 5)
        let random = generator.bytes(ContentClass.sampleSize)
        #expect(!random.withUnsafeBytes { DumpDetector.isDump($0) })
        #expect(Self.contentClass(random) == .binary)
        // A dump header in front of random bytes does not make them compress.
        #expect(Self.contentClass(Array("--\n-- PostgreSQL database dump\n--\n".utf8) + random) == .binary)
        #expect(Self.contentClass([0x00, 0xFF] + random) == .binary)
    }

    @Test func classes() {
        var generator = SeededGenerator(seed: 11)
        #expect(Self.contentClass(Array(DumpSamples.pgDump(rows: 800, &generator).utf8)) == .dump)
        #expect(Self.contentClass(Array(DumpSamples.sqliteDump(rows: 800, &generator).utf8)) == .dump)
        #expect(Self.contentClass(Array(DumpSamples.swiftSource(lines: 3000).utf8)) == .text)
        #expect(Self.contentClass(Array(DumpSamples.accessLog(lines: 800, &generator).utf8)) == .text)
        #expect(Self.contentClass([]) == .text)
    }
}
