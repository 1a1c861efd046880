import XCTest
@testable import TOML

/// The job file from the design notes, read both as raw values and through the reader.
final class TOMLJobFileTests: XCTestCase {
    static let example = """
    # comment
    [repository.main]
    location = "/backup/repo"                 # anything --repo accepts
    password-file = "/etc/repo/password"
    [job.nightly]
    repository = "main"
    copy-to = ["offsite"]
    paths = ["/srv/app/uploads", "/srv/app/config"]
    keep = { last = 3, daily = 7, weekly = 4, monthly = 12, yearly = 5 }
    check = { structure = "daily", read-data = "1/7" }
    [[job.nightly.database]]
    type = "postgres"
    name = "shop"
    [[job.nightly.database]]
    type = "command"
    command = ["turso", "db", "shell", "app", ".dump"]
    [[job.nightly.drill]]
    database = "shop"
    query = "select count(*) from orders"
    expect = "> 0"
    """

    func testExampleParsesToTheRightValues() throws {
        let repository = T(("main", T(("location", .s("/backup/repo")),
                                      ("password-file", .s("/etc/repo/password")))))
        let keep = T(("last", .i(3)), ("daily", .i(7)), ("weekly", .i(4)), ("monthly", .i(12)), ("yearly", .i(5)))
        let databases = Plain.a([
            T(("type", .s("postgres")), ("name", .s("shop"))),
            T(("type", .s("command")), ("command", .a(["turso", "db", "shell", "app", ".dump"].map { .s($0) }))),
        ])
        let drills = Plain.a([T(("database", .s("shop")), ("query", .s("select count(*) from orders")),
                                ("expect", .s("> 0")))])
        let nightly = T(
            ("repository", .s("main")),
            ("copy-to", .a([.s("offsite")])),
            ("paths", .a([.s("/srv/app/uploads"), .s("/srv/app/config")])),
            ("keep", keep),
            ("check", T(("structure", .s("daily")), ("read-data", .s("1/7")))),
            ("database", databases),
            ("drill", drills))
        XCTAssertEqual(try parsePlain(Self.example), T(("repository", repository), ("job", T(("nightly", nightly)))))
    }

    func testExampleThroughTheReader() throws {
        let root = TOMLTableReader(try TOML.parse(Self.example, file: "/etc/repo/jobs.toml"),
                                   file: "/etc/repo/jobs.toml", name: "")
        guard let repositories = try root.table("repository")?.subtables() else { return XCTFail() }
        XCTAssertEqual(repositories.map(\.key), ["main"])
        XCTAssertEqual(repositories.first?.reader.name, "[repository.main]")
        let main = try XCTUnwrap(repositories.first?.reader)
        XCTAssertEqual(try main.requiredString("location"), "/backup/repo")
        XCTAssertEqual(try main.string("password-file"), "/etc/repo/password")
        XCTAssertNoThrow(try main.finish())

        let jobs = try XCTUnwrap(try root.table("job")?.subtables())
        let nightly = try XCTUnwrap(jobs.first)
        XCTAssertEqual(nightly.key, "nightly")
        let job = nightly.reader
        XCTAssertEqual(job.name, "[job.nightly]")
        XCTAssertEqual(try job.requiredString("repository"), "main")
        XCTAssertEqual(try job.stringArray("copy-to"), ["offsite"])
        XCTAssertEqual(try job.stringArray("paths"), ["/srv/app/uploads", "/srv/app/config"])
        let keep = try XCTUnwrap(try job.table("keep"))
        XCTAssertEqual(keep.name, "`keep` in [job.nightly]")
        XCTAssertEqual(try ["last", "daily", "weekly", "monthly", "yearly"].map { try keep.integer($0, in: 0...1000) },
                       [3, 7, 4, 12, 5])
        XCTAssertNoThrow(try keep.finish())
        let check = try XCTUnwrap(try job.table("check"))
        XCTAssertEqual(try check.string("structure"), "daily")
        XCTAssertEqual(try check.string("read-data"), "1/7")
        let databases = try XCTUnwrap(try job.tables("database"))
        XCTAssertEqual(databases.map(\.name), ["[[job.nightly.database]] #1", "[[job.nightly.database]] #2"])
        XCTAssertEqual(try databases.map { try $0.requiredString("type") }, ["postgres", "command"])
        XCTAssertEqual(try databases[1].stringArray("command"), ["turso", "db", "shell", "app", ".dump"])
        let drills = try XCTUnwrap(try job.tables("drill"))
        XCTAssertEqual(try drills.first?.string("expect"), "> 0")
        XCTAssertNoThrow(try job.finish())
        XCTAssertNoThrow(try root.finish())
    }
}
