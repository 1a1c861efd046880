import Glibc

/// Recognises a database dump, the SQL text that `pg_dump` (plain format), `pg_dumpall`,
/// `mysqldump`/`mariadb-dump` and sqlite3's `.dump` write, from the start of a file or
/// stream: the sample that also decides whether it is text-like (`ContentClass`).
///
/// A dump changes by rows updated, inserted or deleted in place, scattered through it, and
/// each change costs about one chunk, so dumps get smaller chunks than other text
/// (docs/design.md, "Database dumps"). The decision rests on the content only, so a dump
/// piped from `pg_dump` into `repo snapshot --stdin` is recognised as one on disk is. It
/// reads the sample once, a line at a time, and stops as soon as it knows. A sample is a
/// dump when
///
/// - one of its first lines is the header a dump tool writes (`-- PostgreSQL database
///   dump`, `-- PostgreSQL database cluster dump`, `-- MySQL dump`, `-- MariaDB dump`); or
/// - it opens as sqlite3's `.dump` does (`PRAGMA foreign_keys…` or `BEGIN TRANSACTION;`)
///   and goes on to a line starting `CREATE TABLE` or `INSERT INTO`; or
/// - rows make up at least half of its bytes: lines starting `INSERT ` or `REPLACE INTO`,
///   and `COPY … FROM stdin;` lines with the data lines that follow them up to `\.`. This
///   finds dumps written without their header comments (`mysqldump --compact`, `pg_dump`
///   output cut by a filter) and never a migration or script whose rows are a minority.
public enum DumpDetector {
    /// How many lines from the start may hold a dump tool's header. pg_dump writes it on its
    /// second line; mariadb-dump 11 may put a sandbox-mode comment before it.
    static let headerLines = 8

    /// Whether `sample`, the start of a stream, is a database dump.
    public static func isDump(_ sample: UnsafeRawBufferPointer) -> Bool {
        guard let base = sample.baseAddress, !sample.isEmpty else { return false }
        var start = 0
        var lineNumber = 0
        var sqliteOpening = false
        var inCopyData = false
        var rowBytes = 0
        while start < sample.count {
            let end = memchr(base + start, Int32(UInt8(ascii: "\n")), sample.count - start)
                .map { base.distance(to: UnsafeRawPointer($0)) } ?? sample.count
            let line = Line(UnsafeRawBufferPointer(rebasing: sample[start..<end]))
            let length = min(end + 1, sample.count) - start
            start = end + 1
            lineNumber += 1
            if inCopyData {
                rowBytes += length
                if line.equals(Marker.copyEnd) { inCopyData = false }
            } else if line.mayStartMarker {
                if lineNumber <= headerLines {
                    if line.starts(with: Marker.headers) { return true }
                    if lineNumber <= 2, line.starts(with: Marker.sqliteOpenings) { sqliteOpening = true }
                }
                if sqliteOpening, line.starts(with: Marker.sqliteStatements) { return true }
                if line.starts(with: Marker.rowStatements) {
                    rowBytes += length
                } else if line.starts(with: Marker.copy), line.ends(with: Marker.copyFromStdin) {
                    rowBytes += length
                    inCopyData = true
                }
            }
            if 2 * rowBytes >= sample.count { return true }
            // Past the header lines only rows decide: stop once the rest could not make them half.
            if lineNumber >= headerLines, !sqliteOpening, 2 * (rowBytes + max(0, sample.count - start)) < sample.count {
                return false
            }
        }
        return false
    }

    /// The byte strings the test looks for, lowercased: ASCII letters compare regardless of case.
    private enum Marker {
        static let headers = bytes("-- PostgreSQL database dump", "-- PostgreSQL database cluster dump",
                                   "-- MySQL dump", "-- MariaDB dump")
        static let sqliteOpenings = bytes("PRAGMA foreign_keys", "BEGIN TRANSACTION;")
        static let sqliteStatements = bytes("CREATE TABLE", "INSERT INTO")
        static let rowStatements = bytes("INSERT ", "REPLACE INTO")
        static let copy = bytes("COPY ")
        static let copyFromStdin = bytes(" FROM stdin;")[0]
        static let copyEnd = bytes("\\.")[0]

        /// Whether a byte (lowercased) begins any marker a line may start with: most lines of
        /// other text fail this one test.
        static let initials: [Bool] = {
            var table = [Bool](repeating: false, count: 256)
            for marker in headers + sqliteOpenings + sqliteStatements + rowStatements + copy { table[Int(marker[0])] = true }
            return table
        }()

        private static func bytes(_ strings: String...) -> [[UInt8]] { strings.map { $0.utf8.map(lowercased) } }

        static func lowercased(_ byte: UInt8) -> UInt8 {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
        }
    }

    /// One line of the sample without its line break (`\n`, or `\r\n`).
    private struct Line {
        let bytes: UnsafeRawBufferPointer

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes.last == UInt8(ascii: "\r") ? UnsafeRawBufferPointer(rebasing: bytes.dropLast()) : bytes
        }

        var mayStartMarker: Bool { !bytes.isEmpty && Marker.initials[Int(Marker.lowercased(bytes[0]))] }

        func starts(with candidates: [[UInt8]]) -> Bool {
            candidates.contains { $0.count <= bytes.count && matches($0, at: 0) }
        }

        func ends(with suffix: [UInt8]) -> Bool { suffix.count <= bytes.count && matches(suffix, at: bytes.count - suffix.count) }

        func equals(_ other: [UInt8]) -> Bool { other.count == bytes.count && matches(other, at: 0) }

        /// Whether `pattern` (lowercase) stands at `offset`, ignoring the case of ASCII letters.
        private func matches(_ pattern: [UInt8], at offset: Int) -> Bool {
            for (index, byte) in pattern.enumerated() where byte != Marker.lowercased(bytes[offset + index]) {
                return false
            }
            return true
        }
    }
}
