import TestSupport

/// Starts of database dumps as their tools write them, and of text that is not a dump,
/// for the detector and archiver tests. Row data is generated, so samples can fill 64 KiB.
enum DumpSamples {
    /// `count` rows of a `users` table: tab-separated as in a COPY block, or as the values of
    /// an INSERT, from `generator`.
    static func rows(_ count: Int, _ generator: inout SeededGenerator, copy: Bool) -> [String] {
        let names = ["ada", "grace", "alan", "edsger", "barbara", "donald", "frances", "ken"]
        let domains = ["example.com", "example.org", "mail.test"]
        return (0..<count).map { index in
            let id = index + 1
            let name = names[Int(generator.next() % UInt64(names.count))]
            let email = "\(name)\(generator.next() % 1000)@\(domains[Int(generator.next() % UInt64(domains.count))])"
            let login = "2024-06-\(10 + generator.next() % 20) 1\(generator.next() % 10):0\(generator.next() % 10):00+00"
            let profile = #"{"theme": "dark", "login_count": \#(generator.next() % 5000), "newsletter": true}"#
            return copy ? "\(id)\t\(name)\(id)\t\(email)\t\(login)\tt\t\(profile)"
                        : "(\(id), '\(name)\(id)', '\(email)', '\(login)', true, '\(profile)')"
        }
    }

    /// Plain `pg_dump` output: header, schema, then a COPY block.
    static func pgDump(rows count: Int, _ generator: inout SeededGenerator) -> String {
        """
        --
        -- PostgreSQL database dump
        --

        -- Dumped from database version 16.3 (Debian 16.3-1.pgdg120+1)
        -- Dumped by pg_dump version 16.3 (Debian 16.3-1.pgdg120+1)

        SET statement_timeout = 0;
        SET client_encoding = 'UTF8';
        SELECT pg_catalog.set_config('search_path', '', false);

        CREATE TABLE public.users (
            id bigint NOT NULL,
            username character varying(64) NOT NULL,
            email character varying(255) NOT NULL,
            last_login timestamp with time zone,
            is_active boolean DEFAULT true NOT NULL,
            profile jsonb
        );

        ALTER TABLE public.users OWNER TO app;

        --
        -- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: app
        --

        COPY public.users (id, username, email, last_login, is_active, profile) FROM stdin;

        """ + rows(count, &generator, copy: true).joined(separator: "\n") + "\n\\.\n\n"
    }

    /// Plain `pg_dump` of a pgbench database: `pgbench_accounts` rows whose `filler`
    /// column is 84 blanks, so the dump compresses dozens of times over.
    static func pgbenchDump(rows count: Int, _ generator: inout SeededGenerator) -> String {
        let filler = String(repeating: " ", count: 84)
        return """
            --
            -- PostgreSQL database dump
            --

            CREATE TABLE public.pgbench_accounts (
                aid integer NOT NULL,
                bid integer,
                abalance integer,
                filler character(84)
            );

            COPY public.pgbench_accounts (aid, bid, abalance, filler) FROM stdin;

            """ + (1...max(count, 1)).map { aid in
                "\(aid)\t\(aid / 100_000 + 1)\t\(generator.next() % 16 == 0 ? Int(generator.next() % 10_000) - 5_000 : 0)\t\(filler)"
            }.joined(separator: "\n") + "\n\\.\n\n"
    }

    /// `pg_dump --data-only` output with its header comments cut away: only the COPY block.
    static func headerlessCopy(rows count: Int, _ generator: inout SeededGenerator) -> String {
        "COPY public.users (id, username, email, last_login, is_active, profile) FROM stdin;\n"
            + rows(count, &generator, copy: true).joined(separator: "\n") + "\n\\.\n"
    }

    /// `pg_dump --inserts` rows without the header: one INSERT a row.
    static func headerlessInserts(rows count: Int, _ generator: inout SeededGenerator) -> String {
        rows(count, &generator, copy: false).map {
            "INSERT INTO public.users (id, username, email, last_login, is_active, profile) VALUES \($0);"
        }.joined(separator: "\n") + "\n"
    }

    static func mysqlDump(rows count: Int, _ generator: inout SeededGenerator) -> String {
        """
        -- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
        --
        -- Host: localhost    Database: shop
        -- ------------------------------------------------------
        -- Server version\t8.0.36

        /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
        DROP TABLE IF EXISTS `users`;
        CREATE TABLE `users` (
          `id` bigint NOT NULL,
          `username` varchar(64) NOT NULL,
          PRIMARY KEY (`id`)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
        LOCK TABLES `users` WRITE;
        INSERT INTO `users` VALUES \(rows(count, &generator, copy: false).joined(separator: ","));
        UNLOCK TABLES;

        """
    }

    /// mariadb-dump 11 puts a sandbox-mode comment before the header.
    static func mariaDBDump(rows count: Int, _ generator: inout SeededGenerator) -> String {
        "/*M!999999\\- enable the sandbox mode */ \n"
            + mysqlDump(rows: count, &generator).replacingOccurrences(of: "-- MySQL dump 10.13  Distrib 8.0.36",
                                                                   with: "-- MariaDB dump 10.19-11.4.2-MariaDB")
    }

    /// `mysqldump --compact`: no comments at all, one long extended INSERT.
    static func mysqlCompact(rows count: Int, _ generator: inout SeededGenerator) -> String {
        """
        /*!40101 SET @saved_cs_client     = @@character_set_client */;
        CREATE TABLE `users` (
          `id` bigint NOT NULL,
          PRIMARY KEY (`id`)
        ) ENGINE=InnoDB;
        INSERT INTO `users` VALUES \(rows(count, &generator, copy: false).joined(separator: ","));

        """
    }

    /// sqlite3's `.dump`.
    static func sqliteDump(rows count: Int, _ generator: inout SeededGenerator) -> String {
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"
            + "CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT, email TEXT, last_login TEXT, active INTEGER, profile TEXT);\n"
            + rows(count, &generator, copy: false).map { "INSERT INTO users VALUES\($0);" }.joined(separator: "\n")
            + "\nCOMMIT;\n"
    }

    // MARK: Not dumps

    static func swiftSource(lines count: Int) -> String {
        (0..<count).map { index in
            ["import Foundation", "", "/// Sums the values of row \(index).", "func total\(index)(_ rows: [Int]) -> Int {",
             "    rows.reduce(0, +) // INSERT INTO is in a comment here", "}"][index % 6]
        }.joined(separator: "\n")
    }

    static func pythonSource(lines count: Int) -> String {
        (0..<count).map { index in
            ["def insert_user(cursor, user):", "    cursor.execute(\"INSERT INTO users VALUES (%s, %s)\", user)",
             "    return cursor.rowcount", "", "class Repository\(index):", "    pass"][index % 6]
        }.joined(separator: "\n")
    }

    static func accessLog(lines count: Int, _ generator: inout SeededGenerator) -> String {
        (0..<count).map { _ in
            "10.0.\(generator.next() % 256).\(generator.next() % 256) - - [01/Jul/2024:10:\(10 + generator.next() % 50):00 +0000] "
                + "\"GET /api/orders/\(generator.next() % 100_000) HTTP/1.1\" 200 \(generator.next() % 9000) \"-\" \"curl/8.5.0\""
        }.joined(separator: "\n")
    }

    static func json(objects count: Int, _ generator: inout SeededGenerator) -> String {
        "[\n" + (0..<count).map { id in
            #"  {"id": \#(id), "sql": "INSERT INTO users VALUES (\#(generator.next() % 1000))", "active": true}"#
        }.joined(separator: ",\n") + "\n]\n"
    }

    static func csv(rows count: Int, _ generator: inout SeededGenerator) -> String {
        "id,username,email,last_login,is_active,profile\n"
            + rows(count, &generator, copy: true).map { $0.replacingOccurrences(of: "\t", with: ",") }.joined(separator: "\n")
    }

    /// A migration: mostly schema, a few seed rows.
    static func migration() -> String {
        """
        -- Migration 20240701: orders and their items.
        BEGIN;
        CREATE TABLE orders (
            id bigserial PRIMARY KEY,
            user_id bigint NOT NULL REFERENCES users (id),
            created_at timestamptz NOT NULL DEFAULT now(),
            status varchar(16) NOT NULL
        );
        CREATE INDEX orders_user_idx ON orders (user_id);
        CREATE TABLE order_items (
            order_id bigint NOT NULL REFERENCES orders (id),
            sku varchar(32) NOT NULL,
            quantity integer NOT NULL CHECK (quantity > 0)
        );
        ALTER TABLE users ADD COLUMN last_order_at timestamptz;
        INSERT INTO settings (key, value) VALUES ('orders.enabled', 'true');
        COMMIT;

        """
    }
}
