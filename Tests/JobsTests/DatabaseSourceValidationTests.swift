import Jobs
import XCTest

/// `DatabaseEngines.validate`: what the job-file decoder reports for a source that cannot work.
final class DatabaseSourceValidationTests: XCTestCase {
    func problem(_ source: DatabaseSource) -> String { DatabaseEngines.validate(source) ?? "" }

    func testWorkableSourcesPass() {
        XCTAssertNil(DatabaseEngines.validate(DatabaseSource(kind: .postgres, name: "shop", host: "db.example", port: 5432, user: "backup")))
        XCTAssertNil(DatabaseEngines.validate(DatabaseSource(kind: .mysql, name: "wp", host: "/run/mysqld/mysqld.sock", dumpOptions: ["--skip-lock-tables"])))
        XCTAssertNil(DatabaseEngines.validate(DatabaseSource(kind: .sqlite, name: "app", path: "/var/lib/app.db")))
        XCTAssertNil(DatabaseEngines.validate(DatabaseSource(kind: .command, name: "turso", command: ["turso", "db", "dump"], restoreCommand: ["turso", "db", "load", "{target}"])))
    }

    func testProblemsNameTheSourceAndTheFix() {
        XCTAssertTrue(problem(DatabaseSource(kind: .sqlite, name: "app")).contains("need the database file's path"))
        XCTAssertTrue(problem(DatabaseSource(kind: .command, name: "turso")).contains("need a command"))
        XCTAssertTrue(problem(DatabaseSource(kind: .command, name: "turso", command: [""])).contains("need a command"))
        XCTAssertTrue(problem(DatabaseSource(kind: .postgres, name: "shop", port: 70000)).contains("port 70000"))
        XCTAssertTrue(problem(DatabaseSource(kind: .mysql, name: "wp", port: 0)).contains("database source wp"))
        XCTAssertTrue(problem(DatabaseSource(kind: .postgres, name: "shop", path: "/x")).contains("path is for sqlite"))
        XCTAssertTrue(problem(DatabaseSource(kind: .postgres, name: "shop", database: "-x")).contains("cannot start with -"))
        XCTAssertTrue(problem(DatabaseSource(kind: .sqlite, name: "app", path: "/a.db", dumpOptions: ["-x"])).contains("dump options"))
        XCTAssertTrue(problem(DatabaseSource(kind: .postgres, name: "a/b")).contains("cannot be a path"))
        XCTAssertTrue(problem(DatabaseSource(kind: .postgres, name: "")).contains("needs a name"))
    }
}
