import Foundation
import Jobs
import XCTest

/// What the postgres and mysql engines must both do, checked against a real server through
/// that server's own tools. Each database is made by `makeShop`: a table `items` of 3 rows
/// (1 priced over 10, seen through the view `expensive`) and a table `counters` of 2000 rows
/// (k = 1...2000, v = k * k).
struct SQLServerScenarios {
    /// The engine of a source named `sourceName` that dumps the given database.
    let engine: (_ database: String) -> any DatabaseEngine
    let sourceName: String
    let makeShop: (_ database: String) throws -> Void
    let createDatabase: (_ database: String) throws -> Void
    /// Runs SQL in a database with the server's own client.
    let sql: (_ sql: String, _ database: String) throws -> String
    let checksums: (_ database: String) throws -> [String: String]

    func dump(_ engine: any DatabaseEngine) throws -> [UInt8] {
        try DumpFiles.read(try engine.startDump())
    }

    /// Dump, restore into a fresh target (then `verify` it); change the source, dump again
    /// and restore over the same target with `replace`.
    func roundTrip(verify: (any DatabaseEngine, String) throws -> Void) throws {
        try makeShop("round_source")
        let source = engine("round_source")
        let first = try dump(source)
        let before = try checksums("round_source")
        XCTAssertGreaterThanOrEqual(before.count, 2)

        try source.restore(into: "round_copy", replace: false, writeDump: DumpFiles.writer(first))
        XCTAssertEqual(try checksums("round_copy"), before)
        XCTAssertEqual(try source.query("SELECT count(*) FROM expensive", in: "round_copy"), "1")
        try verify(source, "round_copy")

        _ = try sql("DELETE FROM counters WHERE k > 1500; UPDATE items SET note = 'changed' WHERE id = 1", "round_source")
        let after = try checksums("round_source")
        XCTAssertNotEqual(after, before)
        try source.restore(into: "round_copy", replace: true, writeDump: DumpFiles.writer(try dump(source)))
        XCTAssertEqual(try checksums("round_copy"), after)
    }

    /// Two dumps of an unchanged database are the same bytes, but for lines `varying` picks
    /// out: they deduplicate (nearly) entirely.
    func unchangedDatabaseDumpsIdentically(varying: (Substring) -> Bool = { _ in false }) throws {
        try makeShop("stable_source")
        let engine = engine("stable_source")
        let first = String(decoding: try dump(engine), as: UTF8.self).split(separator: "\n").filter { !varying($0) }
        let second = String(decoding: try dump(engine), as: UTF8.self).split(separator: "\n").filter { !varying($0) }
        XCTAssertTrue(first == second, "the dumps differ at line \(Array(zip(first, second)).firstIndex { $0 != $1 } ?? first.count)")
    }

    func refusesNonEmptyTarget() throws {
        try makeShop("refuse_source")
        try createDatabase("refuse_target")
        _ = try sql("CREATE TABLE keep (x INT); INSERT INTO keep VALUES (7)", "refuse_target")
        let engine = engine("refuse_source")
        XCTAssertEqual(try engine.targetState("refuse_target"), .nonEmpty)
        let bytes = try dump(engine)
        assertDatabaseError(try engine.restore(into: "refuse_target", replace: false, writeDump: DumpFiles.writer(bytes))) {
            if case .targetNotEmpty("refuse_target") = $0 { return true } else { return false }
        }
        XCTAssertEqual(try sql("SELECT x FROM keep", "refuse_target"), "7")
    }

    /// A dump made invalid by `corrupt` fails its restore with the client's error, which
    /// holds `expected`; returns the engine for checks of what was left behind.
    @discardableResult
    func failingSQLStopsTheRestore(corrupt: (String) -> String, expected: String) throws -> any DatabaseEngine {
        try makeShop("broken_source")
        let engine = engine("broken_source")
        let corrupted = corrupt(String(decoding: try dump(engine), as: UTF8.self))
        let message = assertDatabaseError(try engine.restore(into: "broken_target", replace: false,
                                                            writeDump: DumpFiles.writer(Array(corrupted.utf8)))) {
            if case .restoreFailed("broken_target", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains(expected), message)
        return engine
    }

    /// Dumping a database the server does not have fails, quoting the dump tool.
    func missingDatabaseFailsTheDump(expected: String) throws {
        let message = assertDatabaseError(try dump(engine("no_such_database"))) {
            if case .dumpFailed(sourceName, _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains(expected), message)
    }

    /// A server that is not running (nothing listens at `host`) fails dumps, restores and
    /// queries, each naming what failed and quoting the client.
    func stoppedServerFailsTheDump(_ source: DatabaseSource, expected: String) throws {
        let engine = DatabaseEngines.engine(for: source)
        let message = assertDatabaseError(try dump(engine)) {
            if case .dumpFailed(source.name, _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(message.contains(expected), message)
        let restore = assertDatabaseError(try engine.restore(into: "anywhere", replace: false, writeDump: DumpFiles.writer([]))) {
            if case .restoreFailed("anywhere", _) = $0 { return true } else { return false }
        }
        XCTAssertTrue(restore.contains(expected), restore)
        assertDatabaseError(try engine.query("SELECT 1", in: "anywhere")) {
            if case .queryFailed("anywhere", let detail) = $0 { return detail.contains(expected) } else { return false }
        }
    }

    func queryDropAndScratchTargets() throws {
        try makeShop("query_source")
        let engine = engine("query_source")
        XCTAssertEqual(try engine.query("SELECT count(*) FROM counters", in: "query_source"), "2000")
        XCTAssertEqual(try engine.query("SELECT k, v FROM counters WHERE k = 3", in: "query_source"), "3")
        XCTAssertEqual(try engine.query("SELECT 1 FROM counters WHERE 1 = 0", in: "query_source"), "")
        assertDatabaseError(try engine.query("SELECT nonsense FROM nowhere", in: "query_source")) {
            if case .queryFailed("query_source", let detail) = $0 { return detail.contains("nowhere") } else { return false }
        }

        let scratch = engine.scratchTarget(directory: "/unused")
        XCTAssertNotEqual(scratch, engine.scratchTarget(directory: "/unused"))
        XCTAssertNil(scratch.range(of: "[^a-z0-9_]", options: .regularExpression), scratch)
        XCTAssertTrue(scratch.hasPrefix("repo_drill_\(sourceName)_"), scratch)
        XCTAssertEqual(try engine.targetState(scratch), .missing)
        try engine.restore(into: scratch, replace: false, writeDump: DumpFiles.writer(try dump(engine)))
        XCTAssertEqual(try engine.query("SELECT count(*) FROM items", in: scratch), "3")
        try engine.drop(scratch)
        XCTAssertEqual(try engine.targetState(scratch), .missing)
    }
}
