import Foundation
import XCTest
@testable import Jobs
import Repo

/// A writer killed in the middle of a transaction leaves a hot journal (rollback mode) or an
/// unrecovered WAL: the next copy must recover it, as the application's next open would,
/// and get the last committed state, not fail with "attempt to write a readonly database".
final class SQLiteCrashedWriterTests: XCTestCase {
    private func crashWriter(_ path: String, journal: String) throws {
        let script = """
            import os, sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute('PRAGMA journal_mode = \(journal)')
            db.execute('CREATE TABLE rows (id INTEGER PRIMARY KEY, payload BLOB)')
            db.execute('BEGIN')
            for _ in range(1000): db.execute('INSERT INTO rows (payload) VALUES (randomblob(500))')
            db.execute('COMMIT')
            db.execute('BEGIN')
            for _ in range(3000): db.execute('INSERT INTO rows (payload) VALUES (randomblob(500))')
            db.execute('UPDATE rows SET payload = randomblob(10) WHERE id <= 1000')
            db.execute('PRAGMA cache_spill = 1')
            os.kill(os.getpid(), 9)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "the writer died mid-transaction")
    }

    private func copyHoldsTheCommittedState(journal: String) throws {
        let directory = try DumpFiles.temporaryDirectory(self)
        let live = directory + "/live.db", target = directory + "/restored.db"
        try crashWriter(live, journal: journal)
        let engine = DatabaseEngines.engine(for: DatabaseSource(kind: .sqlite, name: "app", path: live))
        let bytes = try DumpFiles.read(try engine.startDump())
        try engine.restore(into: target, replace: false, writeDump: DumpFiles.writer(bytes))
        XCTAssertEqual(try engine.query("SELECT count(*) || ':' || min(length(payload)) FROM rows", in: target), "1000:500")
    }

    func testAHotRollbackJournalIsRecovered() throws { try copyHoldsTheCommittedState(journal: "DELETE") }

    func testAnUnrecoveredWALIsRecovered() throws { try copyHoldsTheCommittedState(journal: "WAL") }
}
