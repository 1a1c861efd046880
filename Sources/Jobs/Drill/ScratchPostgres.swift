import Foundation
import Posix
import Repo

/// A throwaway PostgreSQL server on a restored data directory, for a drill: reachable only
/// through a unix socket in its own private directory (listen_addresses = '', trust for
/// local connections there), never archiving (archive_mode = off), run as `postgres` when
/// repo runs as root (PostgreSQL refuses root). Stopped with `stop()`, which always ends it.
final class ScratchPostgres {
    /// The directory holding the data directory, the socket, the log and pg_hba.conf.
    let directory: String
    let dataDirectory: String
    let binDirectory: String
    /// Only names the socket file: the socket directory is private, so any port is free.
    let port = Int.random(in: 20000...60000)
    /// The account the server runs as, nil for this process's own.
    let account: String?
    let environment: [String: String]

    var logFile: String { directory + "/server.log" }

    init(directory: String, dataDirectory: String, binDirectory: String, environment: [String: String]) {
        self.directory = directory
        self.dataDirectory = dataDirectory
        self.binDirectory = binDirectory
        self.environment = environment
        account = geteuid() == 0 ? "postgres" : nil
    }

    /// The bin directory of the PostgreSQL that wrote `dataDirectory` (its PG_VERSION):
    /// Debian's /usr/lib/postgresql/MAJOR/bin, else the directory pg_basebackup (the tool
    /// the source's backups use) resolves to on PATH, else pg_config's.
    static func binDirectory(for dataDirectory: String, environment: [String: String]) throws -> String {
        let major = ((try? String(contentsOfFile: dataDirectory + "/PG_VERSION", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var candidates: [String] = []
        if !major.isEmpty { candidates.append("/usr/lib/postgresql/\(major)/bin") }
        if let tool = ChildProcess.find("pg_basebackup", path: environment["PATH"]) {
            candidates.append((URL(fileURLWithPath: tool).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent)
        }
        if let configured = try? ChildProcess.run(["pg_config", "--bindir"], environment: environment), configured.exit.succeeded {
            candidates.append(String(decoding: configured.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard let found = candidates.first(where: { access($0 + "/pg_ctl", X_OK) == 0 && access($0 + "/postgres", X_OK) == 0 }) else {
            throw DrillServerError("no PostgreSQL \(major) server programs (pg_ctl, postgres) found in \(candidates.joined(separator: ", ")): install the server package of that version")
        }
        return found
    }

    /// Settings that make the copy safe to start here, appended to its postgresql.auto.conf
    /// (the last setting wins): the configuration files it may lack (Debian keeps them in
    /// /etc), its own socket, no TCP, no archiving, no SSL files.
    func configure() throws {
        let manager = FileManager.default
        for name in ["postgresql.conf", "pg_ident.conf"] where !manager.fileExists(atPath: dataDirectory + "/" + name) {
            guard manager.createFile(atPath: dataDirectory + "/" + name, contents: Data(), attributes: [.posixPermissions: 0o600]) else {
                throw DrillServerError("cannot create \(dataDirectory)/\(name)")
            }
        }
        let hba = directory + "/pg_hba.conf"
        try "local all all trust\n".write(toFile: hba, atomically: true, encoding: .utf8)
        let settings = [
            "", "# Added by `repo drill`: a throwaway server on a private unix socket that never archives.",
            "listen_addresses = ''", "unix_socket_directories = \(Self.quoted(directory))", "port = \(port)",
            "hba_file = \(Self.quoted(hba))", "ident_file = \(Self.quoted(dataDirectory + "/pg_ident.conf"))",
            "archive_mode = off", "ssl = off", "logging_collector = off", "hot_standby = on",
        ]
        let config = dataDirectory + "/postgresql.auto.conf"
        let existing = (try? String(contentsOfFile: config, encoding: .utf8)) ?? ""
        try (existing + settings.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
        if let account {
            let chown = try ChildProcess.run(["chown", "-R", "\(account):", directory], environment: environment)
            guard chown.exit.succeeded else { throw DrillServerError("cannot give \(directory) to \(account): chown \(chown.exit)") }
        }
    }

    /// Starts the server and waits (up to `timeout`) until it accepts connections.
    func start(timeout: TimeInterval) throws {
        let status = try pgctl(["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", String(Int(timeout.rounded(.up)))])
        guard status == 0 else { throw DrillServerError("the drill's PostgreSQL server did not start (pg_ctl exited with status \(status)): \(logTail)") }
    }

    /// Stops the server: fast shutdown, then immediate, then SIGKILL to the postmaster.
    func stop() {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") else { return }
        if (try? pgctl(["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60"])) == 0 { return }
        if (try? pgctl(["stop", "-D", dataDirectory, "-m", "immediate", "-w", "-t", "10"])) == 0 { return }
        let pidFile = (try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8)) ?? ""
        if let pid = Int32(pidFile.split(separator: "\n").first ?? ""), pid > 0 {
            kill(pid, SIGKILL)
            // Its children end when they notice the postmaster is gone.
            for _ in 0..<50 where kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.1) }
        }
    }

    /// The last lines of the server's log, for errors.
    var logTail: String {
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        let server = read(logFile)
        let text = server.isEmpty ? read(directory + "/pg_ctl.log") : server
        let lines = text.split(separator: "\n").suffix(4).joined(separator: " | ")
        return lines.isEmpty ? "(its log is empty)" : "log: \(lines.suffix(600))"
    }

    /// Runs pg_ctl with its output going to a log and no descriptor of ours (`LoggedSpawn`).
    /// Its exit status.
    private func pgctl(_ arguments: [String]) throws -> Int32 {
        // runuser lives in sbin, which a cron job's PATH may lack.
        let runuser = ChildProcess.find("runuser", path: (environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin") ?? "runuser"
        let runAs = account.map { [runuser, "-u", $0, "--"] } ?? []
        let command = runAs + [binDirectory + "/pg_ctl"] + arguments
        do throws(Errno) {
            return try LoggedSpawn.run(command, environment: environment, log: directory + "/pg_ctl.log")
        } catch {
            throw DrillServerError("cannot run \(command.joined(separator: " ")): \(error)")
        }
    }

    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}

struct DrillServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
