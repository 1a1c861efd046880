import DatabaseServers
import Foundation
import Jobs
import Repo
import XCTest

/// mariadb-dump/mariadb against a throwaway server started once for the class.
final class MySQLEngineTests: XCTestCase {
    nonisolated(unsafe) static var server: MariaDBServer?
    nonisolated(unsafe) static var startFailure: Error?

    override class func setUp() {
        do { server = try MariaDBServer.start() } catch { startFailure = error }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
    }

    var server: MariaDBServer!

    override func setUpWithError() throws {
        if let failure = Self.startFailure { throw failure }
        server = Self.server
    }

    func engine(_ database: String, environment: [String: String]? = nil) -> any DatabaseEngine {
        let source = DatabaseSource(kind: .mysql, name: "wp", database: database, host: server.socketPath, user: server.user)
        return DatabaseEngines.engine(for: source, environment: environment ?? ChildEnvironment.forChildren())
    }

    /// A database with awkward values, an auto-increment counter, a view, an index and a trigger.
    func makeShop(_ name: String) throws {
        try server.createDatabase(name)
        try server.sql("""
            CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(200) NOT NULL, note TEXT,
                                price DECIMAL(10,2), picture BLOB, INDEX items_by_name (name)) CHARACTER SET utf8mb4;
            INSERT INTO items (name, note, price, picture) VALUES
                ('it''s "quoted"', 'line one\\nline two\\ttab', 12.50, X'00FF10'),
                ('Grüße — 日本語 🎉', NULL, NULL, NULL),
                ('back\\\\slash', '', 0.01, X'');
            CREATE TABLE counters (k INT PRIMARY KEY, v BIGINT, flag BOOLEAN);
            INSERT INTO counters SELECT seq, seq * seq, seq % 3 = 0 FROM seq_1_to_2000;
            CREATE TABLE audit (item INT);
            CREATE TRIGGER items_audit AFTER INSERT ON items FOR EACH ROW INSERT INTO audit VALUES (NEW.id);
            CREATE VIEW expensive AS SELECT name FROM items WHERE price > 10;
            """, database: name)
    }

    func dump(_ engine: any DatabaseEngine) throws -> [UInt8] {
        try DumpFiles.read(try engine.startDump())
    }

    func testDumpRestoresAndReplaces() throws {
        try makeShop("round_source")
        let source = engine("round_source")
        let first = try dump(source)
        XCTAssertFalse(String(decoding: first, as: UTF8.self).contains("USE `round_source`"))
        let before = try server.tableChecksums(database: "round_source")
        XCTAssertEqual(before.count, 3)

        try source.restore(into: "round_copy", replace: false, writeDump: DumpFiles.writer(first))
        XCTAssertEqual(try server.tableChecksums(database: "round_copy"), before)
        XCTAssertEqual(try source.query("SELECT COUNT(*) FROM expensive", in: "round_copy"), "1")
        try server.sql("INSERT INTO items (name) VALUES ('fourth')", database: "round_copy")
        XCTAssertEqual(try source.query("SELECT item FROM audit", in: "round_copy"), "4", "the trigger and the auto-increment came along")

        try server.sql("DELETE FROM counters WHERE k > 1500; UPDATE items SET note = 'changed' WHERE id = 1", database: "round_source")
        let after = try server.tableChecksums(database: "round_source")
        XCTAssertNotEqual(after, before)
        try source.restore(into: "round_copy", replace: true, writeDump: DumpFiles.writer(try dump(source)))
        XCTAssertEqual(try server.tableChecksums(database: "round_copy"), after)
    }

    func testNonEmptyTargetIsRefusedWithoutReplace() throws {
        try makeShop("refuse_source")
        try server.createDatabase("refuse_target")
        try server.sql("CREATE TABLE keep (x INT); INSERT INTO keep VALUES (7)", database: "refuse_target")
        let engine = engine("refuse_source")
        XCTAssertEqual(try engine.targetState("refuse_target"), .nonEmpty)
        let bytes = try dump(engine)
        assertDatabaseError(try engine.restore(into: "refuse_target", replace: false, writeDump: DumpFiles.writer(bytes))) {
            if case .targetNotEmpty("refuse_target") = $0 { return true } else { return false }
        }
        XCTAssertEqual(try server.sql("SELECT x FROM keep", database: "refuse_target"), "7")
    }

    func testFailingSQLStopsTheRestore() throws {
        try makeShop("broken_source")
        let engine = engine("broken_source")
        let text = String(decoding: try dump(engine), as: UTF8.self)
        let corrupted = text.replacingOccurrences(of: "CREATE TABLE `counters`", with: "CREATE TABLET `counters`")
        let message = assertDatabaseError(try engine.restore(into: "broken_target", replace: false,
                                                            writeDump: DumpFiles.writer(Array(corrupted.utf8)))) {
            if case .restoreFailed("broken_target", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("SQL syntax"), message)
    }

    func testMissingDatabaseFailsTheDump() throws {
        let message = assertDatabaseError(try dump(engine("no_such_database"))) {
            if case .dumpFailed("wp", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("Unknown database"), message)
    }

    func testServerThatIsNotRunningFailsTheDump() throws {
        let socket = try DumpFiles.temporaryDirectory(self) + "/mysqld.sock"
        let source = DatabaseSource(kind: .mysql, name: "down", host: socket)
        let message = assertDatabaseError(try dump(DatabaseEngines.engine(for: source))) {
            if case .dumpFailed("down", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("Can't connect"), message)
    }

    func testMissingToolIsNamed() throws {
        let message = assertDatabaseError(try dump(engine("anything", environment: ["PATH": "/nonexistent"]))) {
            if case .dumpFailed("wp", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("cannot run mysqldump"), message)
    }

    func testQueryDropAndScratchTargets() throws {
        try makeShop("query_source")
        let engine = engine("query_source")
        XCTAssertEqual(try engine.query("SELECT COUNT(*) FROM counters", in: "query_source"), "2000")
        XCTAssertEqual(try engine.query("SELECT k, v FROM counters WHERE k = 3", in: "query_source"), "3")
        XCTAssertEqual(try engine.query("SELECT 1 FROM counters WHERE FALSE", in: "query_source"), "")
        assertDatabaseError(try engine.query("SELECT nonsense FROM nowhere", in: "query_source")) {
            if case .queryFailed("query_source", let detail) = $0 { return detail.contains("nowhere") } else { return false }
        }

        let scratch = engine.scratchTarget(directory: "/unused")
        XCTAssertNotEqual(scratch, engine.scratchTarget(directory: "/unused"))
        XCTAssertNil(scratch.range(of: "[^a-z0-9_]", options: .regularExpression), scratch)
        XCTAssertEqual(try engine.targetState(scratch), .missing)
        try engine.restore(into: scratch, replace: false, writeDump: DumpFiles.writer(try dump(engine)))
        XCTAssertEqual(try engine.query("SELECT COUNT(*) FROM items", in: scratch), "3")
        try engine.drop(scratch)
        XCTAssertEqual(try engine.targetState(scratch), .missing)
    }
}
