import DatabaseServers
import Foundation
import Jobs
import Repo
import XCTest

/// pg_dump/psql against a throwaway cluster started once for the class.
final class PostgresEngineTests: XCTestCase {
    nonisolated(unsafe) static var server: PostgresServer?
    nonisolated(unsafe) static var startFailure: Error?

    override class func setUp() {
        do { server = try PostgresServer.start() } catch { startFailure = error }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
    }

    var server: PostgresServer!

    override func setUpWithError() throws {
        if let failure = Self.startFailure { throw failure }
        server = Self.server
    }

    func engine(_ database: String, environment: [String: String]? = nil) -> any DatabaseEngine {
        let source = DatabaseSource(kind: .postgres, name: "shop", database: database,
                                    host: server.socketDirectory, port: server.port, user: server.superuser)
        return DatabaseEngines.engine(for: source, environment: environment ?? ChildEnvironment.forChildren())
    }

    /// A database with awkward values of many types, a sequence, a view and an index.
    func makeShop(_ name: String) throws {
        try server.createDatabase(name)
        try server.sql("""
            CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, note text, price numeric(10,2),
                                picture bytea, added timestamptz DEFAULT '2024-01-02 03:04:05+00');
            INSERT INTO items (name, note, price, picture) VALUES
                ('it''s "quoted"', E'line one\\nline two\\ttab', 12.50, '\\x00ff10'::bytea),
                ('Grüße — 日本語 🎉', NULL, NULL, NULL),
                (E'back\\\\slash', '', 0.01, ''::bytea);
            CREATE TABLE counters (k integer PRIMARY KEY, v bigint, flag boolean);
            INSERT INTO counters SELECT g, g * g, g % 3 = 0 FROM generate_series(1, 2000) g;
            CREATE SEQUENCE invoice_numbers START 100;
            SELECT nextval('invoice_numbers'), nextval('invoice_numbers');
            CREATE VIEW expensive AS SELECT name FROM items WHERE price > 10;
            CREATE INDEX items_by_name ON items (name);
            """, database: name)
    }

    func dump(_ engine: any DatabaseEngine) throws -> [UInt8] {
        try DumpFiles.read(try engine.startDump())
    }

    func testDumpRestoresAndReplaces() throws {
        try makeShop("round_source")
        let source = engine("round_source")
        let first = try dump(source)
        let before = try server.tableChecksums(database: "round_source")
        XCTAssertEqual(before.count, 2)

        try source.restore(into: "round_copy", replace: false, writeDump: DumpFiles.writer(first))
        XCTAssertEqual(try server.tableChecksums(database: "round_copy"), before)
        XCTAssertEqual(try source.query("SELECT count(*) FROM expensive", in: "round_copy"), "1")
        XCTAssertEqual(try source.query("SELECT nextval('invoice_numbers')", in: "round_copy"), "102")
        XCTAssertEqual(try source.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'items_by_name'", in: "round_copy"), "1")

        try server.sql("DELETE FROM counters WHERE k > 1500; UPDATE items SET note = 'changed' WHERE id = 1", database: "round_source")
        let after = try server.tableChecksums(database: "round_source")
        XCTAssertNotEqual(after, before)
        try source.restore(into: "round_copy", replace: true, writeDump: DumpFiles.writer(try dump(source)))
        XCTAssertEqual(try server.tableChecksums(database: "round_copy"), after)
    }

    func testNonEmptyTargetIsRefusedWithoutReplace() throws {
        try makeShop("refuse_source")
        try server.createDatabase("refuse_target")
        try server.sql("CREATE TABLE keep (x int); INSERT INTO keep VALUES (7)", database: "refuse_target")
        let engine = engine("refuse_source")
        XCTAssertEqual(try engine.targetState("refuse_target"), .nonEmpty)
        let bytes = try dump(engine)
        assertDatabaseError(try engine.restore(into: "refuse_target", replace: false, writeDump: DumpFiles.writer(bytes))) {
            if case .targetNotEmpty("refuse_target") = $0 { return true } else { return false }
        }
        XCTAssertEqual(try server.sql("SELECT x FROM keep", database: "refuse_target"), "7")
    }

    func testFailingSQLStopsTheRestoreAndLeavesNothing() throws {
        try makeShop("broken_source")
        let engine = engine("broken_source")
        let text = String(decoding: try dump(engine), as: UTF8.self)
        let corrupted = text.replacingOccurrences(of: "CREATE VIEW", with: "CREATE VIEWW")
        let message = assertDatabaseError(try engine.restore(into: "broken_target", replace: false,
                                                            writeDump: DumpFiles.writer(Array(corrupted.utf8)))) {
            if case .restoreFailed("broken_target", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("syntax error"), message)
        // One transaction: the tables created before the error are gone again.
        XCTAssertEqual(try engine.targetState("broken_target"), .empty)
    }

    func testMissingDatabaseFailsTheDump() throws {
        let message = assertDatabaseError(try dump(engine("no_such_database"))) {
            if case .dumpFailed("shop", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("pg_dump") && message.contains("does not exist"), message)
    }

    func testServerThatIsNotRunningFailsTheDump() throws {
        let source = DatabaseSource(kind: .postgres, name: "down", host: try DumpFiles.temporaryDirectory(self), port: 5432)
        let message = assertDatabaseError(try dump(DatabaseEngines.engine(for: source))) {
            if case .dumpFailed("down", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("connection to server"), message)
    }

    func testMissingToolIsNamed() throws {
        let message = assertDatabaseError(try dump(engine("anything", environment: ["PATH": "/nonexistent"]))) {
            if case .dumpFailed("shop", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("cannot run pg_dump"), message)
    }

    func testQueryDropAndScratchTargets() throws {
        try makeShop("query_source")
        let engine = engine("query_source")
        XCTAssertEqual(try engine.query("SELECT count(*) FROM counters", in: "query_source"), "2000")
        XCTAssertEqual(try engine.query("SELECT k, v FROM counters WHERE k = 3", in: "query_source"), "3")
        XCTAssertEqual(try engine.query("SELECT 1 WHERE false", in: "query_source"), "")
        assertDatabaseError(try engine.query("SELECT nonsense FROM nowhere", in: "query_source")) {
            if case .queryFailed("query_source", let detail) = $0 { return detail.contains("nowhere") } else { return false }
        }

        let scratch = engine.scratchTarget(directory: "/unused")
        XCTAssertNotEqual(scratch, engine.scratchTarget(directory: "/unused"))
        XCTAssertNil(scratch.range(of: "[^a-z0-9_]", options: .regularExpression), scratch)
        XCTAssertTrue(scratch.hasPrefix("repo_drill_shop_"), scratch)
        XCTAssertEqual(try engine.targetState(scratch), .missing)
        try engine.restore(into: scratch, replace: false, writeDump: DumpFiles.writer(try dump(engine)))
        XCTAssertEqual(try engine.query("SELECT count(*) FROM items", in: scratch), "3")
        try engine.drop(scratch)
        XCTAssertEqual(try engine.targetState(scratch), .missing)
    }
}
