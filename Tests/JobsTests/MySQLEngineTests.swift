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
    var scenarios: SQLServerScenarios!

    override func setUpWithError() throws {
        if let failure = Self.startFailure { throw failure }
        let server = try XCTUnwrap(Self.server)
        self.server = server
        scenarios = SQLServerScenarios(engine: { self.engine($0) }, sourceName: "wp", makeShop: makeShop,
                                       createDatabase: server.createDatabase, sql: { try server.sql($0, database: $1) },
                                       checksums: server.tableChecksums)
    }

    func engine(_ database: String, environment: [String: String]? = nil) -> any DatabaseEngine {
        let source = DatabaseSource(kind: .mysql, name: "wp", database: database, host: server.socketPath, user: server.user)
        return DatabaseEngines.engine(for: source, environment: environment ?? ChildEnvironment.forChildren())
    }

    /// Awkward values, an auto-increment counter, a view, an index and a trigger.
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

    func testDumpRestoresAndReplaces() throws {
        try scenarios.roundTrip { engine, target in
            try server.sql("INSERT INTO items (name) VALUES ('fourth')", database: target)
            XCTAssertEqual(try engine.query("SELECT item FROM audit", in: target), "4", "the trigger and the auto-increment came along")
        }
    }

    func testDumpNamesNoDatabase() throws {
        try scenarios.makeShop("named_source")
        let text = String(decoding: try scenarios.dump(engine("named_source")), as: UTF8.self)
        XCTAssertFalse(text.contains("USE `named_source`") || text.contains("CREATE DATABASE"))
    }

    func testUnchangedDatabaseDumpsIdentically() throws {
        try scenarios.unchangedDatabaseDumpsIdentically()
    }

    func testNonEmptyTargetIsRefusedWithoutReplace() throws {
        try scenarios.refusesNonEmptyTarget()
    }

    func testFailingSQLStopsTheRestore() throws {
        try scenarios.failingSQLStopsTheRestore(corrupt: { $0.replacingOccurrences(of: "CREATE TABLE `counters`", with: "CREATE TABLET `counters`") },
                                                expected: "SQL syntax")
        // MySQL cannot roll DDL back; the half-loaded database the restore created is dropped.
        XCTAssertEqual(try engine("broken_source").targetState("broken_target"), .missing)
    }

    func testMissingDatabaseFailsTheDump() throws {
        try scenarios.missingDatabaseFailsTheDump(expected: "Unknown database")
    }

    func testServerThatIsNotRunningFailsTheDump() throws {
        let source = DatabaseSource(kind: .mysql, name: "down", host: try DumpFiles.temporaryDirectory(self) + "/mysqld.sock")
        try scenarios.stoppedServerFailsTheDump(source, expected: "Can't connect")
    }

    func testMissingToolIsNamed() throws {
        let message = assertDatabaseError(try scenarios.dump(engine("anything", environment: ["PATH": "/nonexistent"]))) {
            if case .dumpFailed("wp", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("cannot run mysqldump"), message)
    }

    func testQueryDropAndScratchTargets() throws {
        try scenarios.queryDropAndScratchTargets()
    }
}
