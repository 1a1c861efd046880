import CSQLite
import Foundation
import Jobs
import Repo
import XCTest

/// The sqlite engine: a consistent copy of a database that another connection keeps writing.
final class SQLiteEngineTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = try DumpFiles.temporaryDirectory(self)
    }

    func engine(_ path: String) -> any DatabaseEngine {
        DatabaseEngines.engine(for: DatabaseSource(kind: .sqlite, name: "app", path: path))
    }

    /// A database of about 20 MiB (several backup steps), in WAL mode unless told otherwise.
    func makeDatabase(_ path: String, journal: String = "WAL") throws {
        let connection = try SQLiteConnection(path: path, busyTimeout: 5_000)
        try connection.execute("""
            PRAGMA journal_mode = \(journal);
            CREATE TABLE rows (id INTEGER PRIMARY KEY, payload BLOB NOT NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
            INSERT INTO rows (payload) SELECT randomblob(1000) FROM n;
            """)
    }

    /// "count:sum of ids:total payload bytes" of `path`.
    func checksum(_ path: String) throws -> String {
        try engine(path).query("SELECT count(*) || ':' || sum(id) || ':' || sum(length(payload)) FROM rows", in: path)
    }

    func dump(_ path: String) throws -> [UInt8] {
        try DumpFiles.read(try engine(path).startDump())
    }

    func testCopyOfADatabaseBeingWrittenIsConsistent() throws {
        let live = directory + "/live.db"
        try makeDatabase(live)
        let writer = Writer(path: live)
        let thread = Thread { writer.run() }
        thread.start()
        while writer.commits < 5 { usleep(1_000) }
        let commitsBefore = writer.commits
        let bytes = try dump(live)
        let commitsDuring = writer.commits - commitsBefore
        writer.stop()
        XCTAssertNil(writer.failure)
        XCTAssertGreaterThan(bytes.count, 20_000_000)
        XCTAssertGreaterThan(commitsDuring, 0, "the writer was never let in during the copy")

        let restored = directory + "/restored.db"
        try engine(live).restore(into: restored, replace: false, writeDump: DumpFiles.writer(bytes))
        XCTAssertEqual(try engine(restored).query("PRAGMA integrity_check", in: restored), "ok")
        let count = try XCTUnwrap(Int(try engine(restored).query("SELECT count(*) FROM rows", in: restored)))
        XCTAssertEqual(count % 10, 0, "the copy holds half a transaction")
        XCTAssertGreaterThanOrEqual(count, 20_000 + 10 * commitsBefore)

        let copy = directory + "/copy.db"
        try Data(bytes).write(to: URL(fileURLWithPath: copy))
        XCTAssertEqual(try checksum(restored), try checksum(copy))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted().filter { $0.contains("repo-tmp") }, [])
    }

    /// With a rollback journal the copy's read lock holds writers back until it is done;
    /// they wait (their busy timeout) rather than fail, and the copy is one committed state.
    func testCopyOfARollbackJournalDatabaseLetsWritersWait() throws {
        let live = directory + "/live.db"
        try makeDatabase(live, journal: "DELETE")
        // A pause between transactions, as real writers have: back to back, a rollback
        // journal's writer starves every reader (SQLite's busy handler is not fair).
        let writer = Writer(path: live, pause: 2_000)
        let thread = Thread { writer.run() }
        thread.start()
        while writer.commits < 5 { usleep(1_000) }
        let bytes = try dump(live)
        while writer.commits < 10 { usleep(1_000) }
        writer.stop()
        XCTAssertNil(writer.failure)
        let copy = directory + "/copy.db"
        try engine(live).restore(into: copy, replace: false, writeDump: DumpFiles.writer(bytes))
        let count = try XCTUnwrap(Int(try engine(copy).query("SELECT count(*) FROM rows", in: copy)))
        XCTAssertEqual(count % 10, 0, "the copy holds half a transaction")
    }

    func testExistingTargetIsRefusedUnlessReplaced() throws {
        let first = directory + "/first.db", second = directory + "/second.db", target = directory + "/target.db"
        try makeDatabase(first)
        try makeDatabase(second)
        try SQLiteConnection(path: second, busyTimeout: 1_000).execute("DELETE FROM rows WHERE id > 100")
        try engine(first).restore(into: target, replace: false, writeDump: DumpFiles.writer(try dump(first)))
        XCTAssertEqual(try engine(target).targetState(target), .nonEmpty)
        let secondDump = try dump(second)
        assertDatabaseError(try engine(second).restore(into: target, replace: false, writeDump: DumpFiles.writer(secondDump))) {
            if case .targetNotEmpty(target) = $0 { return true } else { return false }
        }
        XCTAssertEqual(try checksum(target), try checksum(first))
        try engine(second).restore(into: target, replace: true, writeDump: DumpFiles.writer(secondDump))
        XCTAssertEqual(try checksum(target), try checksum(second))
    }

    func testDamagedCopyFailsTheIntegrityCheck() throws {
        let live = directory + "/live.db", target = directory + "/target.db"
        try makeDatabase(live)
        var bytes = try dump(live)
        // Pages in the middle of the table's b-tree overwritten with noise.
        for index in stride(from: bytes.count / 2, to: bytes.count / 2 + 64 * 1024, by: 7) { bytes[index] = UInt8(truncatingIfNeeded: index) }
        let message = assertDatabaseError(try engine(live).restore(into: target, replace: false, writeDump: DumpFiles.writer(bytes))) {
            if case .integrityCheckFailed(target, _) = $0 { return true } else { return false }
        }
        XCTAssertFalse(message.isEmpty)
        // Neither the target nor the temporary file beside it is left.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("target") }, [])
    }

    func testMissingFileAndMissingTargetDirectoryAreNamed() throws {
        let missing = directory + "/missing.db"
        let message = assertDatabaseError(try dump(missing)) {
            if case .dumpFailed("app", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains(missing), message)
        let notADatabase = directory + "/text.db"
        try Data(repeating: 65, count: 8192).write(to: URL(fileURLWithPath: notADatabase))
        assertDatabaseError(try dump(notADatabase)) { if case .dumpFailed = $0 { return true } else { return false } }
        assertDatabaseError(try engine(missing).query("SELECT 1", in: missing)) { if case .queryFailed = $0 { return true } else { return false } }
        let nowhere = directory + "/no/such/dir/target.db"
        assertDatabaseError(try engine(missing).restore(into: nowhere, replace: false, writeDump: DumpFiles.writer([1]))) {
            if case .restoreFailed(nowhere, let detail) = $0 { return detail.contains("No such file") } else { return false }
        }
    }

    func testScratchTargetsAreFreshAndDropped() throws {
        let live = directory + "/live.db"
        try makeDatabase(live)
        let engine = engine(live)
        let scratch = engine.scratchTarget(directory: directory)
        XCTAssertTrue(scratch.hasPrefix(directory + "/repo_drill_app_"), scratch)
        XCTAssertNotEqual(scratch, engine.scratchTarget(directory: directory))
        XCTAssertEqual(try engine.targetState(scratch), .missing)
        try engine.restore(into: scratch, replace: false, writeDump: DumpFiles.writer(try dump(live)))
        XCTAssertEqual(try engine.query("SELECT count(*) FROM rows", in: scratch), "20000")
        try engine.drop(scratch)
        XCTAssertEqual(try engine.targetState(scratch), .missing)
    }
}

/// Inserts 10 rows per transaction until stopped, on its own connection.
private final class Writer: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var stopping = false
    private var done = DispatchSemaphore(value: 0)
    private var committed = 0
    private(set) var failure: Error?

    let pause: useconds_t

    init(path: String, pause: useconds_t = 0) {
        self.path = path
        self.pause = pause
    }

    var commits: Int { lock.withLock { committed } }

    func run() {
        defer { done.signal() }
        do {
            let connection = try SQLiteConnection(path: path, busyTimeout: 10_000)
            while !lock.withLock({ stopping }) {
                try connection.execute("""
                    BEGIN IMMEDIATE;
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
                    INSERT INTO rows (payload) SELECT randomblob(100) FROM n;
                    COMMIT;
                    """)
                lock.withLock { committed += 1 }
                if pause > 0 { usleep(pause) }
            }
        } catch {
            lock.withLock { failure = error }
        }
    }

    func stop() {
        lock.withLock { stopping = true }
        done.wait()
    }
}
