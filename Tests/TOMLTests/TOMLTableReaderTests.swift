import XCTest
@testable import TOML

final class TOMLTableReaderTests: XCTestCase {
    private func reader(_ text: String, name: String = "[job.nightly]") throws -> TOMLTableReader {
        TOMLTableReader(try TOML.parse(text, file: "jobs.toml"), file: "jobs.toml", name: name)
    }

    private func assertReaderError(_ body: @autoclosure () throws -> Any?, _ line: Int, _ column: Int,
                                   _ message: String, file: StaticString = #filePath, line testLine: UInt = #line) {
        do {
            _ = try body()
            XCTFail("expected an error", file: file, line: testLine)
        } catch let error as TOMLError {
            XCTAssertEqual(error.position, pos(line, column), "\(error)", file: file, line: testLine)
            XCTAssertEqual(error.message, message, file: file, line: testLine)
            XCTAssertEqual(error.file, "jobs.toml", file: file, line: testLine)
        } catch {
            XCTFail("not a TOMLError: \(error)", file: file, line: testLine)
        }
    }

    func testTypedGettersReturnValuesAndNilWhenAbsent() throws {
        let r = try reader("s = \"x\"\ni = 5\nb = true\nl = [\"p\", \"q\"]\nt = { k = 1 }")
        XCTAssertEqual(try r.string("s"), "x")
        XCTAssertEqual(try r.requiredString("s"), "x")
        XCTAssertEqual(try r.integer("i"), 5)
        XCTAssertEqual(try r.integer("i", in: 5...5), 5)
        XCTAssertEqual(try r.boolean("b"), true)
        XCTAssertEqual(try r.stringArray("l"), ["p", "q"])
        XCTAssertEqual(try r.table("t")?.integer("k"), 1)
        XCTAssertNil(try r.string("missing"))
        XCTAssertNil(try r.integer("missing2"))
        XCTAssertNil(try r.boolean("missing3"))
        XCTAssertNil(try r.stringArray("missing4"))
        XCTAssertNil(try r.table("missing5"))
        XCTAssertNil(try r.tables("missing6"))
        XCTAssertTrue(r.has("s"))
        XCTAssertFalse(r.has("missing"))
        XCTAssertEqual(r.readKeys, ["s", "i", "b", "l", "t", "missing", "missing2", "missing3", "missing4",
                                    "missing5", "missing6"])
        XCTAssertNoThrow(try r.finish())
    }

    func testHasDoesNotCountAsReading() throws {
        let r = try reader("a = 1")
        XCTAssertTrue(r.has("a"))
        assertReaderError(try r.finish(), 1, 1, "unknown key `a` in [job.nightly]; it takes no keys")
    }

    func testWrongTypesAreReportedAtTheValue() throws {
        let r = try reader("paths = [\"/a\"]\nkeep = 3\nflag = \"yes\"\nname = 1\ndb = {}")
        assertReaderError(try r.string("paths"), 1, 9, "`paths` in [job.nightly] must be a string, not an array")
        assertReaderError(try r.table("keep"), 2, 8, "`keep` in [job.nightly] must be a table, not an integer")
        assertReaderError(try r.boolean("flag"), 3, 8, "`flag` in [job.nightly] must be a boolean, not a string")
        assertReaderError(try r.stringArray("name"), 4, 8, "`name` in [job.nightly] must be an array of strings, not an integer")
        assertReaderError(try r.integer("flag"), 3, 8, "`flag` in [job.nightly] must be an integer, not a string")
        assertReaderError(try r.tables("db"), 5, 6, "`db` in [job.nightly] must be an array of tables, not a table")
        assertReaderError(try r.requiredString("name"), 4, 8, "`name` in [job.nightly] must be a string, not an integer")
    }

    func testBadArrayElementsAreReportedWhereTheyAre() throws {
        let r = try reader("paths = [\"/a\",\n   7]\ndbs = [{}, 2]")
        assertReaderError(try r.stringArray("paths"), 2, 4, "element 2 of `paths` in [job.nightly] must be a string, not an integer")
        assertReaderError(try r.tables("dbs"), 3, 12, "element 2 of `dbs` in [job.nightly] must be a table, not an integer")
    }

    func testMissingRequiredKeyIsReportedAtTheTable() throws {
        let root = try reader("x = 1\n\n[job.nightly]\npaths = []", name: "")
        let job = try XCTUnwrap(try root.table("job")?.subtables().first?.reader)
        XCTAssertEqual(job.name, "[job.nightly]")
        assertReaderError(try job.requiredString("repository"), 3, 1, "[job.nightly] needs `repository`")
        assertReaderError(try root.requiredString("version"), 1, 1, "the file needs `version`")
    }

    func testIntegerRange() throws {
        let r = try reader("keep = { last = 3, daily = 5000, weekly = -1 }")
        let keep = try XCTUnwrap(try r.table("keep"))
        XCTAssertEqual(try keep.integer("last", in: 0...1000), 3)
        assertReaderError(try keep.integer("daily", in: 0...1000), 1, 28,
                          "`daily` in `keep` in [job.nightly] must be between 0 and 1000, not 5000")
        assertReaderError(try keep.integer("weekly", in: 0...1000), 1, 43,
                          "`weekly` in `keep` in [job.nightly] must be between 0 and 1000, not -1")
    }

    func testUnknownKeysNameTheKeysAskedFor() throws {
        let text = "[job.nightly]\nrepository = \"main\"\n  pahts = [\"/srv\"]\nkeep = { last = 3, dialy = 7 }"
        let root = try reader(text, name: "")
        let job = try XCTUnwrap(try root.table("job")?.subtables().first?.reader)
        _ = try job.requiredString("repository")
        _ = try job.stringArray("paths")
        let keep = try XCTUnwrap(try job.table("keep"))
        _ = try keep.integer("last")
        _ = try keep.integer("daily")
        assertReaderError(try keep.finish(), 4, 20, "unknown key `dialy` in `keep` in [job.nightly]; expected one of: last, daily")
        assertReaderError(try job.finish(), 3, 3,
                          "unknown key `pahts` in [job.nightly]; expected one of: repository, paths, keep")
        let top = try reader("version = 1\nbogus = 2", name: "")
        _ = try top.integer("version")
        assertReaderError(try top.finish(), 2, 1, "unknown key `bogus` at the top level; expected one of: version")
        let quoted = try reader("\"a b\" = 1", name: "[x]")
        assertReaderError(try quoted.finish(), 1, 1, "unknown key `\"a b\"` in [x]; it takes no keys")
    }

    func testArrayOfTablesElementNames() throws {
        let text = "[job.nightly]\n[[job.nightly.database]]\ntype = \"a\"\n[[job.nightly.database]]\nname = \"b\"\nextra = 1"
        let root = try reader(text, name: "")
        let job = try XCTUnwrap(try root.table("job")?.subtables().first?.reader)
        let databases = try XCTUnwrap(try job.tables("database"))
        XCTAssertEqual(databases.map(\.name), ["[[job.nightly.database]] #1", "[[job.nightly.database]] #2"])
        assertReaderError(try databases[1].requiredString("type"), 4, 1, "[[job.nightly.database]] #2 needs `type`")
        _ = try databases[1].string("name")
        assertReaderError(try databases[1].finish(), 6, 1,
                          "unknown key `extra` in [[job.nightly.database]] #2; expected one of: type, name")

        let inline = try reader("steps = [{ a = 1 }, { b = 2 }]", name: "`drill` in [job.x]")
        XCTAssertEqual(try inline.tables("steps")?.map(\.name), ["`steps` #1 in `drill` in [job.x]", "`steps` #2 in `drill` in [job.x]"])
        let top = try reader("[[step]]\n[[step]]", name: "")
        XCTAssertEqual(try top.tables("step")?.map(\.name), ["[[step]] #1", "[[step]] #2"])
        XCTAssertEqual(try top.tables("step")?.map(\.table.position), [pos(1, 1), pos(2, 1)])
    }

    func testSubtables() throws {
        let text = "[repository.main]\nlocation = \"/a\"\n[repository.\"off site\"]\nlocation = \"/b\"\n[other]\nx = 1\ny = 2"
        let root = try reader(text, name: "")
        let repositories = try XCTUnwrap(try root.table("repository")?.subtables())
        XCTAssertEqual(repositories.map(\.key), ["main", "off site"])
        XCTAssertEqual(repositories.map(\.reader.name), ["[repository.main]", "[repository.\"off site\"]"])
        let other = try XCTUnwrap(try root.table("other"))
        assertReaderError(try other.subtables(), 6, 5, "`x` in [other] must be a table, not an integer")
        let nested = try XCTUnwrap(try reader("a = { b = {} }", name: "[t]").table("a"))
        XCTAssertEqual(try nested.subtables().map(\.reader.name), ["`b` in `a` in [t]"])
        XCTAssertEqual(nested.readKeys, ["b"])
        XCTAssertNoThrow(try nested.finish())
    }

    func testErrorAtKeyOrTable() throws {
        let r = try reader("  command = [\"x\"]")
        XCTAssertEqual(r.error("no such database", at: "command").position, pos(1, 3))
        XCTAssertEqual(r.error("whole table", at: nil).position, r.table.position)
        XCTAssertEqual(r.error("absent key", at: "nope").position, r.table.position)
        XCTAssertEqual(r.error("m", at: "command").description, "jobs.toml:1:3: m")
    }
}
