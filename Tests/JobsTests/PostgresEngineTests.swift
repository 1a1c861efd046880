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
    var scenarios: SQLServerScenarios!

    override func setUpWithError() throws {
        if let failure = Self.startFailure { throw failure }
        let server = try XCTUnwrap(Self.server)
        self.server = server
        scenarios = SQLServerScenarios(engine: { self.engine($0) }, sourceName: "shop", makeShop: makeShop,
                                       createDatabase: server.createDatabase, sql: { try server.sql($0, database: $1) },
                                       checksums: server.tableChecksums)
    }

    func engine(_ database: String, environment: [String: String]? = nil) -> any DatabaseEngine {
        let source = DatabaseSource(kind: .postgres, name: "shop", database: database,
                                    host: server.socketDirectory, port: server.port, user: server.superuser)
        return DatabaseEngines.engine(for: source, environment: environment ?? ChildEnvironment.forChildren())
    }

    /// Awkward values of many types, a sequence, a view and an index.
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

    func testDumpRestoresAndReplaces() throws {
        try scenarios.roundTrip { engine, target in
            XCTAssertEqual(try engine.query("SELECT nextval('invoice_numbers')", in: target), "102")
            XCTAssertEqual(try engine.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'items_by_name'", in: target), "1")
        }
    }

    func testUnchangedDatabaseDumpsIdentically() throws {
        // pg_dump (15.14 and later) fences a dump with \restrict and \unrestrict lines holding a
        // random key, so that a hostile server cannot slip psql commands into it.
        try scenarios.unchangedDatabaseDumpsIdentically { $0.hasPrefix("\\restrict ") || $0.hasPrefix("\\unrestrict ") }
    }

    func testNonEmptyTargetIsRefusedWithoutReplace() throws {
        try scenarios.refusesNonEmptyTarget()
    }

    func testFailingSQLStopsTheRestoreAndLeavesNothing() throws {
        let engine = try scenarios.failingSQLStopsTheRestore(corrupt: { $0.replacingOccurrences(of: "CREATE VIEW", with: "CREATE VIEWW") },
                                                             expected: "syntax error")
        // One transaction, and the database the restore created is dropped again.
        XCTAssertEqual(try engine.targetState("broken_target"), .missing)
    }

    /// A writer that fails half-way (a repository that cannot be read) must not leave the
    /// client to take the early end of its input for the end of the dump and commit.
    func testWriterFailingHalfWayCommitsNothing() throws {
        try makeShop("half_source")
        let engine = engine("half_source")
        let bytes = try scenarios.dump(engine)
        let half = DumpFiles.writer(Array(bytes.prefix(bytes.count / 2)))
        struct ReadFailed: Error {}
        XCTAssertThrowsError(try engine.restore(into: "half_target", replace: false) { try half($0); throw ReadFailed() }) {
            XCTAssertTrue($0 is ReadFailed, "\($0)")
        }
        XCTAssertEqual(try engine.targetState("half_target"), .missing)
    }

    func testMissingDatabaseFailsTheDump() throws {
        try scenarios.missingDatabaseFailsTheDump(expected: "database \"no_such_database\" does not exist")
    }

    func testServerThatIsNotRunningFailsTheDump() throws {
        let source = DatabaseSource(kind: .postgres, name: "down", host: try DumpFiles.temporaryDirectory(self), port: 5432)
        try scenarios.stoppedServerFailsTheDump(source, expected: "connection to server")
    }

    func testPasswordNeverAppearsInAFailure() throws {
        var environment = ChildEnvironment.forChildren()
        environment["PGPASSWORD"] = "pg-secret-7d1f"
        let message = assertDatabaseError(try scenarios.dump(engine("no_such_database", environment: environment))) {
            if case .dumpFailed = $0 { return true } else { return false }
        }
        XCTAssertFalse(message.contains("pg-secret-7d1f"), message)
    }

    func testMissingToolIsNamed() throws {
        let message = assertDatabaseError(try scenarios.dump(engine("anything", environment: ["PATH": "/nonexistent"]))) {
            if case .dumpFailed("shop", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains("cannot run pg_dump"), message)
    }

    func testQueryDropAndScratchTargets() throws {
        try scenarios.queryDropAndScratchTargets()
    }
}
