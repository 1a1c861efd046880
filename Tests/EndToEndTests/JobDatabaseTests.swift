import DatabaseServers
import Foundation
import Testing

// `repo run`, `repo db restore` and `repo drill` against real servers: a throwaway
// PostgreSQL cluster and MariaDB server on unix sockets, and a SQLite file written by a
// concurrent writer while it is backed up.

@Suite(.serialized)
final class JobDatabaseTests {
    let postgres: PostgresServer
    let mariadb: MariaDBServer

    init() throws {
        postgres = try PostgresServer.start()
        mariadb = try MariaDBServer.start()
    }

    deinit {
        postgres.stop()
        mariadb.stop()
    }

    private func jobFile(_ workspace: Workspace, shopDatabase: String = "shop", assertion: String = "> 0") -> String {
        """
        # A small web application: uploads, a PostgreSQL shop, a MariaDB blog, a live SQLite file.
        [repository.main]
        location = "\(workspace.repository)"
        password-file = "\(workspace.path("password"))"

        [job.nightly]
        repository = "main"
        paths = ["\(workspace.path("app/uploads"))"]
        exclude = ["*.log"]
        tags = ["nightly"]
        keep = { last = 3, daily = 7 }
        prune = "weekly"
        check = { structure = "daily", read-data = "1/3" }

        [[job.nightly.database]]
        type = "postgres"
        name = "shop"
        database = "\(shopDatabase)"
        host = "\(postgres.socketDirectory)"
        port = \(postgres.port)
        user = "\(postgres.superuser)"

        [[job.nightly.database]]
        type = "mysql"
        name = "blog"
        host = "\(mariadb.socketPath)"
        user = "\(mariadb.user)"

        [[job.nightly.database]]
        type = "sqlite"
        name = "app"
        path = "\(workspace.path("app/app.db"))"

        [[job.nightly.drill]]
        database = "shop"
        query = "select count(*) from orders"
        expect = "\(assertion)"

        [[job.nightly.drill]]
        database = "app"
        query = "select count(*) from events"
        expect = ">= 10"
        """
    }

    private func makeApplication(_ workspace: Workspace) throws {
        try FileManager.default.createDirectory(atPath: workspace.path("app/uploads/images"), withIntermediateDirectories: true)
        for index in 0..<30 {
            let bytes = (0..<(1000 + index * 700)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            try Data(bytes).write(to: URL(fileURLWithPath: workspace.path("app/uploads/images/photo\(index).jpg")))
        }
        try "noise".write(toFile: workspace.path("app/uploads/debug.log"), atomically: true, encoding: .utf8)
        try postgres.createDatabase("shop")
        _ = try postgres.sql("""
            create table customers (id serial primary key, name text not null, note text);
            create table orders (id serial primary key, customer int references customers(id), total numeric(10,2), placed timestamptz default now());
            insert into customers (name, note) select 'customer ' || i, case when i % 3 = 0 then E'quote '' and\\nnewline' end from generate_series(1, 200) i;
            insert into orders (customer, total) select 1 + i % 200, i * 1.25 from generate_series(1, 2000) i;
            """, database: "shop")
        try mariadb.createDatabase("blog")
        _ = try mariadb.sql("""
            create table posts (id int auto_increment primary key, title varchar(200), body text);
            insert into posts (title, body) values ('hello', 'first post'), ('world', 'it''s the second'), ('ünïcode', NULL);
            """, database: "blog")
        _ = try runProgram("/usr/bin/sqlite3", [workspace.path("app/app.db"),
            "create table events (id integer primary key, kind text, payload blob); "
            + "with recursive n(i) as (select 1 union all select i + 1 from n where i < 5000) "
            + "insert into events (kind, payload) select 'seed', randomblob(200) from n;"])
    }

    /// A writer that inserts ten rows per transaction into the SQLite file until stopped.
    private func startWriter(_ database: String) throws -> ChildProcess {
        let script = """
            import sqlite3, time
            db = sqlite3.connect('\(database)', timeout=30, isolation_level=None)
            while True:
                db.execute('begin immediate')
                for _ in range(10):
                    db.execute("insert into events (kind, payload) values ('live', randomblob(100))")
                db.execute('commit')
                time.sleep(0.002)
            """
        return try ChildProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", script],
                                environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"], stdin: .null, scratch: "/tmp")
    }

    @Test func backUpChangeRestoreAndDrill() throws {
        let workspace = try jobWorkspace("job-databases")
        defer { workspace.remove() }
        try makeApplication(workspace)
        try workspace.initRepository(at: workspace.repository)
        try workspace.writeJobFile(jobFile(workspace))

        let dryRun = try workspace.repo("run", "nightly", "--dry-run")
        #expect(dryRun.status == 0, "\(dryRun)")
        #expect(dryRun.out.contains("pg_dump"), "\(dryRun)")
        #expect(try workspace.snapshots(at: workspace.repository).isEmpty, "a dry run writes nothing")

        let writer = try startWriter(workspace.path("app/app.db"))
        let first = try workspace.repo("run", "nightly", "--json", timeout: 300)
        writer.kill(SIGKILL)
        _ = writer.wait()
        #expect(first.status == 0, "\(first)")
        for step in ["files", "database shop", "database blog", "database app", "retention main", "check main"] {
            #expect(first.stepResult(step) == "ok", "\(step): \(first)")
        }
        #expect(first.stepDetail("check main").contains("part 1/3"), "\(first)")

        // Change every database, then run again: the restore must give the new state.
        _ = try postgres.sql("insert into orders (customer, total) values (7, 99.99); delete from customers where id = 200 and not exists (select 1 from orders where customer = 200); update customers set note = 'changed' where id = 5;", database: "shop")
        _ = try mariadb.sql("insert into posts (title, body) values ('third', 'after the first run');", database: "blog")
        let shopAtDump = try postgres.tableChecksums(database: "shop")
        let blogAtDump = try mariadb.tableChecksums(database: "blog")
        let second = try workspace.repo("run", "nightly", "--json", timeout: 300)
        #expect(second.status == 0, "\(second)")
        #expect(second.stepDetail("check main").contains("part 2/3"), "\(second)")

        let list = try workspace.repo("db", "list", "--json")
        #expect(list.status == 0, "\(list)")
        #expect(list.array.count == 3 && list.array.allSatisfy { int($0, "dumps") == 2 }, "\(list)")

        let restoredShop = try workspace.repo("db", "restore", "shop", "--into", "shop_restored")
        #expect(restoredShop.status == 0, "\(restoredShop)")
        #expect(try postgres.tableChecksums(database: "shop_restored") == shopAtDump)
        let again = try workspace.repo("db", "restore", "shop", "--into", "shop_restored")
        #expect(again.status == 1 && again.err.contains("--replace"), "a non-empty target is refused: \(again)")
        let replaced = try workspace.repo("db", "restore", "shop", "--into", "shop_restored", "--replace")
        #expect(replaced.status == 0, "\(replaced)")

        let restoredBlog = try workspace.repo("db", "restore", "blog", "--into", "blog_restored")
        #expect(restoredBlog.status == 0, "\(restoredBlog)")
        #expect(try mariadb.tableChecksums(database: "blog_restored") == blogAtDump)

        let restoredFile = workspace.path("restored-app.db")
        let restoredApp = try workspace.repo("db", "restore", "app", "--into", restoredFile)
        #expect(restoredApp.status == 0, "\(restoredApp)")
        let check = try runProgram("/usr/bin/sqlite3", [restoredFile, "pragma integrity_check; select count(*) % 10, count(*) >= 5000 from events;"])
        #expect(check.out.split(separator: "\n") == ["ok", "0|1"], "a consistent copy of a live file: \(check)")

        let dump = try workspace.repo("dump", "latest", "/databases/postgres/shop.sql", environment: ["REPO_PASSWORD": workspace.password, "REPO_REPOSITORY": workspace.repository])
        #expect(dump.status == 0 && dump.out.contains("CREATE TABLE public.orders"), "\(dump.err)")

        let drill = try workspace.repo("drill", "nightly", timeout: 300)
        #expect(drill.status == 0, "\(drill)")
        #expect(drill.out.contains("select count(*) from orders -> 2001, expected > 0"), "\(drill)")
        #expect(drill.out.contains("sampled files"), "\(drill)")
        let scratch = try postgres.sql("select count(*) from pg_database where datname like 'repo_drill%'")
        #expect(scratch == "0", "drill scratch databases are dropped")

        try workspace.writeJobFile(jobFile(workspace, assertion: "> 5000"))
        let failing = try workspace.repo("drill", "nightly", timeout: 300)
        #expect(failing.status == 16, "\(failing)")
        #expect(failing.combined.contains("expected > 5000"), "\(failing)")
    }

    @Test func failingSourceIsNamedAndTheOthersAreSaved() throws {
        let workspace = try jobWorkspace("job-failing")
        defer { workspace.remove() }
        try makeApplication(workspace)
        try workspace.initRepository(at: workspace.repository)
        try workspace.writeJobFile(jobFile(workspace, shopDatabase: "no_such_database"))

        let run = try workspace.repo("run", "nightly", timeout: 300)
        #expect(run.status == 16, "\(run)")
        #expect(run.err.contains("database shop failed"), "\(run)")
        #expect(run.err.contains("no_such_database"), "pg_dump's own words are shown: \(run)")
        #expect(run.out.contains("FAILED (database shop)"), "\(run)")
        let paths = try workspace.snapshots(at: workspace.repository).compactMap { ($0["paths"] as? [String])?.first }
        #expect(paths.contains(workspace.path("app/uploads")))
        #expect(paths.contains("/databases/mysql/blog.sql") && paths.contains("/databases/sqlite/app.db"))
        #expect(!paths.contains("/databases/postgres/shop.sql"), "a failed dump is never stored")
    }
}
