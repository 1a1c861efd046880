import Foundation
import Repo
import TOML
import XCTest
@testable import Jobs

/// The job file contract (docs/guide.md, "Job files"): the documented example decodes to
/// what it says, and every mistake is one error at its line and column.
final class JobFileDecoderTests: XCTestCase {
    static let example = """
        [repository.main]
        location = "/backup/repo"                 # anything --repo accepts
        password-file = "/etc/repo/password"      # or password-command
        [repository.offsite]
        location = "s3:https://s3.eu-west-1.amazonaws.com/acme-backups/app"
        password-file = "/etc/repo/password"

        [job.nightly]
        repository = "main"
        copy-to = ["offsite"]
        paths = ["/srv/app/uploads", "/srv/app/config"]
        exclude = ["*.log", "cache/"]
        tags = ["nightly"]
        keep = { last = 3, daily = 7, weekly = 4, monthly = 12, yearly = 5 }
        prune = "weekly"                          # always | daily | weekly | monthly | never
        check = { structure = "daily", read-data = "1/7" }  # the subset rotates run by run

        [[job.nightly.database]]
        type = "postgres"
        name = "shop"
        host = "/var/run/postgresql"
        [[job.nightly.database]]
        type = "sqlite"
        name = "app"
        path = "/srv/app/app.db"
        [[job.nightly.database]]
        type = "mysql"
        name = "wp"
        [[job.nightly.database]]
        type = "command"
        name = "turso"
        command = ["turso", "db", "shell", "app", ".dump"]

        [[job.nightly.drill]]
        database = "shop"
        query = "select count(*) from orders"
        expect = "> 0"
        """

    private func decode(_ text: String) throws -> JobFile { try JobFileDecoder(file: "jobs.toml").decode(text) }

    /// Decoding must fail with a TOMLError at `line`:`column` whose message contains `words`.
    private func assertError(_ text: String, at line: Int, _ column: Int, _ words: String, file: StaticString = #filePath, lineNumber: UInt = #line) {
        do {
            _ = try decode(text)
            XCTFail("decoded without error", file: file, line: lineNumber)
        } catch let error as TOMLError {
            XCTAssertEqual(error.position, TOMLPosition(line: line, column: column), "\(error)", file: file, line: lineNumber)
            XCTAssertTrue(error.message.contains(words), "\(error)", file: file, line: lineNumber)
            XCTAssertTrue(error.description.hasPrefix("jobs.toml:\(line):\(column): "), "\(error)", file: file, line: lineNumber)
        } catch {
            XCTFail("not a TOMLError: \(error)", file: file, line: lineNumber)
        }
    }

    func testTheDocumentedExampleDecodes() throws {
        let file = try decode(Self.example)
        XCTAssertEqual(file.jobNames, ["nightly"])
        XCTAssertEqual(file.repositories["offsite"]?.location, "s3:https://s3.eu-west-1.amazonaws.com/acme-backups/app")
        let job = try file.job("nightly")
        XCTAssertEqual(job.repository, "main")
        XCTAssertEqual(job.copyTo, ["offsite"])
        XCTAssertEqual(job.paths, ["/srv/app/uploads", "/srv/app/config"])
        XCTAssertEqual(job.exclude, ["*.log", "cache/"])
        XCTAssertEqual(job.snapshotTags, ["job:nightly", "nightly"])
        XCTAssertEqual(job.keep, RetentionPolicy(keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 12, keepYearly: 5))
        XCTAssertEqual(job.prune, .weekly)
        XCTAssertEqual(job.checkStructure, .daily)
        XCTAssertEqual(job.readData, .rotating(parts: 7))
        XCTAssertEqual(job.databases.map(\.kind), [.postgres, .sqlite, .mysql, .command])
        XCTAssertEqual(job.databases[0].host, "/var/run/postgresql")
        XCTAssertEqual(job.databases[1].path, "/srv/app/app.db")
        XCTAssertEqual(job.databases[3].command, ["turso", "db", "shell", "app", ".dump"])
        XCTAssertEqual(job.drills, [DrillAssertion(database: "shop", query: "select count(*) from orders", expect: Expectation("> 0")!)])
        XCTAssertEqual(file.databaseSources.map(\.source.name), ["shop", "app", "wp", "turso"])
    }

    func testDefaults() throws {
        let job = try decode("[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\npaths = [\"/a\"]\n").job("j")
        XCTAssertNil(job.keep)
        XCTAssertEqual(job.prune, .weekly)
        XCTAssertEqual(job.checkStructure, .daily)
        XCTAssertEqual(job.readData, .full(.never))
        XCTAssertEqual(job.lockWait, 1800)
    }

    func testRetryBudgetPerRepositoryAndPerJob() throws {
        let file = try decode("""
            [repository.offsite]
            location = "s3://bucket/app"
            retry-budget = "30m"
            [job.j]
            repository = "offsite"
            paths = ["/a"]
            retry-budget = "1h"
            """)
        XCTAssertEqual(file.repositories["offsite"]?.retryBudget, 1800)
        XCTAssertEqual(try file.job("j").retryBudget, 3600)
        XCTAssertNil(try decode("[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\npaths = [\"/a\"]\n").job("j").retryBudget)
    }

    func testSFTPCommandPerRepository() throws {
        let file = try decode("""
            [repository.nas]
            location = "sftp:backup@nas:/srv/repo"
            sftp-command = "ssh -i /root/.ssh/backup -p 2222 backup@nas -s sftp"
            """)
        XCTAssertEqual(file.repositories["nas"]?.sftpCommand, "ssh -i /root/.ssh/backup -p 2222 backup@nas -s sftp")
    }

    func testUnknownKeysAreErrorsAtTheirPlace() {
        let base = "[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\npaths = [\"/a\"]\n"
        assertError(base + "retention = 3\n", at: 6, 1, "unknown key `retention`")
        assertError("[repository.r]\nlocation = \"/r\"\npasword-file = \"/p\"\n", at: 3, 1, "unknown key `pasword-file`")
        assertError(base + "keep = { daily = 7, hourlyy = 2 }\n", at: 6, 21, "unknown key `hourlyy`")
        assertError(base + "[[job.j.database]]\ntype = \"postgres\"\nname = \"x\"\npath = \"/x\"\n", at: 9, 1, "unknown key `path`")
        assertError("[jobs.j]\nrepository = \"r\"\n", at: 1, 2, "unknown key `jobs`")
    }

    func testWrongTypesAndValues() {
        let base = "[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\n"
        assertError(base + "paths = \"/a\"\n", at: 5, 9, "must be an array")
        assertError(base + "paths = [\"/a\", 3]\n", at: 5, 16, "string")
        assertError(base + "paths = [\"relative\"]\n", at: 5, 1, "absolute path")
        assertError(base + "paths = [\"/a\"]\nprune = \"fortnightly\"\n", at: 6, 9, "always, daily, weekly, monthly or never")
        assertError(base + "paths = [\"/a\"]\ncheck = { read-data = \"8/7\" }\n", at: 6, 23, "n/m")
        assertError(base + "paths = [\"/a\"]\nkeep = { daily = \"seven\" }\n", at: 6, 18, "integer")
        assertError(base + "paths = [\"/a\"]\nkeep = {}\n", at: 6, 8, "keeps nothing")
        assertError(base + "paths = [\"/a\"]\nlock-wait = \"soon\"\n", at: 6, 13, "duration")
        assertError(base + "paths = [\"/a\"]\nretry-budget = \"2d\"\n", at: 6, 16, "from 0 to 24h")
        assertError(base + "[[job.j.database]]\ntype = \"oracle\"\nname = \"x\"\n", at: 6, 8, "postgres, mysql, sqlite, command, postgres-physical")
        assertError(base + "[[job.j.database]]\ntype = \"sqlite\"\nname = \"x\"\n", at: 5, 1, "needs `path`")
        assertError(base + "[[job.j.database]]\ntype = \"command\"\nname = \"x\"\n", at: 5, 1, "needs `command`")
        assertError(base + "[[job.j.database]]\ntype = \"mysql\"\nname = \"x/y\"\n", at: 7, 8, "letters, digits")
        assertError(base + "[[job.j.database]]\ntype = \"mysql\"\nname = \"x\"\nport = 70000\n", at: 8, 8, "65535")
        assertError(base + "[[job.j.database]]\ntype = \"postgres-physical\"\nname = \"x\"\ndump-options = [\"-v\"]\n", at: 8, 1, "unknown key `dump-options`")
    }

    func testPostgresPhysicalSourcesTakeTheServerOnly() throws {
        let file = try decode("[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\n[[job.j.database]]\ntype = \"postgres-physical\"\nname = \"main\"\nhost = \"/run/postgresql\"\nport = 5433\nuser = \"replicator\"\ndatabase = \"shop\"\n")
        let source = try XCTUnwrap(try file.job("j").databases.first)
        XCTAssertEqual(source.kind, .postgresPhysical)
        XCTAssertEqual(source.database, "shop", "the database drill assertions run in")
        XCTAssertEqual(source.snapshotPath, "/databases/postgres-physical/main.tar")
        XCTAssertEqual([source.host, source.user], ["/run/postgresql", "replicator"])
        XCTAssertEqual(source.port, 5433)
    }

    func testBandwidthLimitsAreRatesOrTimetables() throws {
        let base = "[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\npaths = [\"/a\"]\n"
        let job = try decode(base + "limit-upload = \"08:00-20:00 2MiB, 20:00-08:00 off\"\nlimit-download = \"10Mbit\"\n").job("j")
        XCTAssertEqual(job.limitUpload?.rate(atMinute: 8 * 60), 2 << 20)
        XCTAssertEqual(job.limitUpload?.rate(atMinute: 20 * 60), nil)
        XCTAssertEqual(job.limitDownload?.rate(atMinute: 0), 1_250_000)
        XCTAssertNil(try decode(base).job("j").limitUpload)
        assertError(base + "limit-upload = \"fast\"\n", at: 6, 16, "`limit-upload` in [job.j]: \"fast\" is not a rate")
        assertError(base + "limit-download = \"08:00-20:00 1M, 19:00-21:00 2M\"\n", at: 6, 18, "overlap at 19:00")
    }

    func testReferencesMustResolve() {
        assertError("[job.j]\nrepository = \"main\"\npaths = [\"/a\"]\n", at: 1, 1, "no [repository.NAME] defines")
        assertError("[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\ncopy-to = [\"r\"]\npaths = [\"/a\"]\n", at: 3, 1, "its own repository")
        assertError("[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\npaths = [\"/a\"]\n[[job.j.drill]]\ndatabase = \"shop\"\nquery = \"select 1\"\nexpect = \"1\"\n",
                    at: 7, 1, "not a source of [job.j]")
        assertError("[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\n", at: 3, 1, "backs up nothing")
        assertError("[repository.r]\nlocation = \"/r\"\npassword-file = \"/a\"\npassword-command = \"b\"\n", at: 4, 1, "keep one")
    }

    func testSyntaxErrorsComeFromTheTOMLReader() {
        assertError("[job.j\nrepository = \"r\"\n", at: 1, 7, "]")
    }

    func testMissingFileAndUnknownJob() throws {
        XCTAssertThrowsError(try JobFile.load("/nonexistent/jobs.toml")) { error in
            XCTAssertEqual("\(error)", "cannot read job file /nonexistent/jobs.toml: no such file")
        }
        let file = try decode("[repository.r]\nlocation = \"/r\"\n[job.a]\nrepository = \"r\"\npaths = [\"/a\"]\n")
        XCTAssertThrowsError(try file.job("b")) { error in
            XCTAssertEqual("\(error)", "no job \"b\" in jobs.toml; its jobs: a")
        }
    }

    func testNotifiers() throws {
        let base = "[repository.r]\nlocation = \"/r\"\n[job.j]\nrepository = \"r\"\npaths = [\"/a\"]\n"
        let file = try decode(base + """
            notify = ["ops"]
            [job.k]
            repository = "r"
            paths = ["/b"]
            [notify.ops]
            type = "webhook"
            url = "https://hooks.example/T000/B000"
            on = ["start", "failure"]
            [notify.mail]
            type = "email"
            smtp = "smtp.example:2525"
            from = "backup@example.org"
            to = ["ops@example.org"]
            password-file = "/etc/repo/smtp"
            """)
        XCTAssertEqual(file.notifiers.map(\.name), ["ops", "mail"])
        XCTAssertEqual(file.notifiers[0].events, [.start, .failure])
        XCTAssertEqual(file.notifiers[1].smtpHost, "smtp.example")
        XCTAssertEqual(file.notifiers[1].smtpPort, 2525)
        XCTAssertEqual(file.notifiers[1].events, [.failure, .warning], "the default for people")
        XCTAssertEqual(try file.notifiers(of: file.job("j")).map(\.name), ["ops"])
        XCTAssertEqual(try file.notifiers(of: file.job("k")).map(\.name), ["ops", "mail"])

        assertError(base + "[notify.ops]\ntype = \"pager\"\n", at: 7, 8, "webhook, slack, healthchecks, email")
        assertError(base + "[notify.ops]\ntype = \"webhook\"\nurl = \"https://h/x\"\non = [\"sometimes\"]\n", at: 9, 6, "unknown event")
        assertError(base + "[notify.ops]\ntype = \"webhook\"\nurl = \"https://h/x\"\nchannel = \"#ops\"\n", at: 9, 1, "unknown key `channel`")
        assertError(base + "[notify.ops]\ntype = \"webhook\"\nurl = \"ftp://h/x\"\n", at: 6, 1, "http:// or https://")
        assertError(base + "notify = [\"pager\"]\n", at: 3, 1, "no [notify.NAME] defines")
    }

    func testNotifiersOfABrokenFileAreSalvaged() throws {
        let path = NSTemporaryDirectory() + "/salvage-\(getpid()).toml"
        defer { unlink(path) }
        try "[job.j]\nrepository = \"nowhere\"\nbogus = 1\n[notify.ops]\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9/x\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try JobFile.load(path))
        XCTAssertEqual(JobFile.salvageNotifiers(path).map(\.name), ["ops"])
        try "[job.j\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(JobFile.salvageNotifiers(path).isEmpty, "broken syntax: nothing to salvage")
    }
}
