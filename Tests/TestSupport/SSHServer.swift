import Foundation
#if canImport(Glibc)
import Glibc
#endif

// A throwaway OpenSSH server for the SFTP backend's tests: Debian's openssh-server
// (scripts/setup.sh installs it), run as `sshd -D -e` on 127.0.0.1 at a free port with a
// host key, a user key and an sshd_config of its own in a scratch directory, serving the
// user the tests run as (root in CI: `PermitRootLogin prohibit-password`). Clients reach
// it through `sftpCommand`, an ssh command line that reads no user or system ssh
// configuration and trusts only this server's host key.
//
//     let server = try SSHServer.start()
//     defer { server.stop() }
//     … "sftp://\(server.user)@127.0.0.1:\(server.port)/\(path)" with
//       REPO_SFTP_COMMAND=server.sftpCommand() …

/// Why the tests cannot have an ssh server here (no sshd installed): a reason to record.
public struct SSHServerUnavailable: Error, CustomStringConvertible {
    public let description: String
}

/// A running sshd on 127.0.0.1.
public final class SSHServer: @unchecked Sendable {
    public let port: UInt16
    public let pid: pid_t
    /// The scratch directory holding keys, config, log and known_hosts files.
    public let directory: String
    /// The user the server lets in: the one the tests run as.
    public let user: String
    private var stopped = false

    /// The private key the server authorizes.
    public var userKey: String { "\(directory)/user_key" }
    /// A private key the server does not authorize.
    public var strangerKey: String { "\(directory)/stranger_key" }
    /// known_hosts holding the server's host key (under the alias `repo-test-sshd`).
    public var knownHosts: String { "\(directory)/known_hosts" }
    /// known_hosts holding another key for the same alias: a host key mismatch.
    public var wrongKnownHosts: String { "\(directory)/wrong_known_hosts" }

    public static let sshd = "/usr/sbin/sshd"

    /// Whether sshd and ssh are installed; nil when they are, else why not.
    public static var unavailableReason: String? {
        if access(sshd, X_OK) != 0 { return "\(sshd) is not installed (apt-get install openssh-server; scripts/setup.sh does)" }
        if access("/usr/bin/ssh", X_OK) != 0 || access("/usr/bin/ssh-keygen", X_OK) != 0 {
            return "ssh or ssh-keygen is not installed (apt-get install openssh-client)"
        }
        return nil
    }

    private init(port: UInt16, pid: pid_t, directory: String, user: String) {
        self.port = port
        self.pid = pid
        self.directory = directory
        self.user = user
    }

    deinit { stop() }

    /// Generates the keys, writes the config, starts sshd and waits until it accepts
    /// connections. Throws `SSHServerUnavailable` when sshd is missing.
    public static func start(in directory: String, timeout: Double = 20) throws -> SSHServer {
        if let reason = unavailableReason { throw SSHServerUnavailable(description: reason) }
        if getuid() == 0 {
            // sshd running as root needs its privilege separation directory.
            mkdir("/run/sshd", 0o755)
        }
        for name in ["host_key", "other_host_key", "user_key", "stranger_key"] {
            try run(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", "\(directory)/\(name)"])
        }
        try FileManager.default.copyItem(atPath: "\(directory)/user_key.pub", toPath: "\(directory)/authorized_keys")
        let hostKey = try String(contentsOfFile: "\(directory)/host_key.pub", encoding: .utf8)
        let otherHostKey = try String(contentsOfFile: "\(directory)/other_host_key.pub", encoding: .utf8)
        try "repo-test-sshd \(hostKey)".write(toFile: "\(directory)/known_hosts", atomically: true, encoding: .utf8)
        try "repo-test-sshd \(otherHostKey)".write(toFile: "\(directory)/wrong_known_hosts", atomically: true, encoding: .utf8)
        for file in ["host_key", "other_host_key", "user_key", "stranger_key"] { chmod("\(directory)/\(file)", 0o600) }
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        var lastError: Error = SSHServerUnavailable(description: "sshd did not start")
        for _ in 0..<5 {
            let port = try LoopbackSocket.freePort()
            let config = """
                ListenAddress 127.0.0.1
                Port \(port)
                HostKey \(directory)/host_key
                AuthorizedKeysFile \(directory)/authorized_keys
                StrictModes no
                PidFile \(directory)/sshd.pid
                Subsystem sftp internal-sftp
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PermitRootLogin prohibit-password
                AllowUsers \(user)
                MaxStartups 100
                MaxSessions 100
                LogLevel VERBOSE

                """
            try config.write(toFile: "\(directory)/sshd_config", atomically: true, encoding: .utf8)
            let log = open("\(directory)/sshd-\(port).log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard log >= 0 else { throw LoopbackError.system("open sshd log") }
            defer { close(log) }
            let pid = try Spawn.start(.path(sshd), arguments: [sshd, "-D", "-e", "-f", "\(directory)/sshd_config"],
                                      output: log, errors: log, grouping: .ownGroup, closeOtherDescriptors: true)
            let server = SSHServer(port: port, pid: pid, directory: directory, user: user)
            do {
                try server.waitUntilReady(timeout: timeout)
                return server
            } catch {
                server.stop()
                lastError = error
                if !server.log.contains("Address already in use") { throw error }
            }
        }
        throw lastError
    }

    /// What sshd wrote (its log), for the messages of a failed test.
    public var log: String {
        (try? String(contentsOfFile: "\(directory)/sshd-\(port).log", encoding: .utf8)) ?? ""
    }

    /// The ssh command line (for `--sftp-command`, one string for `sh -c`) that reaches this
    /// server: no user or system configuration, this server's host key only, `identity`
    /// as the only key, never a prompt.
    public func sftpCommand(identity: String? = nil, knownHosts: String? = nil) -> String {
        sshArguments(identity: identity, knownHosts: knownHosts).joined(separator: " ") + " -s sftp"
    }

    /// `sftpCommand`'s words without `-s sftp`: ssh, options, user@host.
    public func sshArguments(identity: String? = nil, knownHosts: String? = nil) -> [String] {
        ["/usr/bin/ssh", "-F", "/dev/null", "-o", "UserKnownHostsFile=\(knownHosts ?? self.knownHosts)",
         "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-o", "HostKeyAlias=repo-test-sshd",
         "-o", "IdentityFile=\(identity ?? userKey)", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
         "-o", "LogLevel=ERROR", "-p", "\(port)", "\(user)@127.0.0.1"]
    }

    /// An `sftp://` location of `path` (absolute) on this server.
    public func url(_ path: String) -> String {
        "sftp://\(user)@127.0.0.1:\(port)/\(path)"
    }

    /// Stops sshd (SIGTERM, then SIGKILL) and the sessions it still serves.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        Spawn.stopGroup(pid)
    }

    private func waitUntilReady(timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                stopped = true
                throw SSHServerUnavailable(description: "sshd exited at start (status \(Spawn.exitStatus(status))): \(log.suffix(1500))")
            }
            if (try? LoopbackSocket.connect(port: port)) != nil { return }
            if Date() > deadline { throw SSHServerUnavailable(description: "sshd did not listen within \(Int(timeout)) s: \(log.suffix(1500))") }
            usleep(20_000)
        }
    }

    /// Runs a short command to its end; throws with its output when it fails.
    private static func run(_ arguments: [String]) throws {
        let pid = try Spawn.start(.path(arguments[0]), arguments: arguments, output: 2, errors: 2)
        let status = Spawn.wait(pid)
        guard status == 0 else { throw SSHServerUnavailable(description: "\(arguments.joined(separator: " ")) failed with status \(status)") }
    }
}
