import Foundation

/// Where schedules go on this machine: the unit directories, `/etc/cron.d`, crontabs and
/// logs, all under `root` (`--root DIR`, for preparing an image or testing), and whether
/// systemd is running here, so that `systemctl` can be called.
public struct ScheduleHost: Sendable {
    public enum Scope: String, Sendable { case system, user }
    public enum Kind: String, Sendable { case systemd, cron }

    /// "" for the machine itself.
    public let root: String
    public let scope: Scope
    public let environment: [String: String]
    /// systemd is PID 1 (`/run/systemd/system` exists): timers work and systemctl answers.
    public let systemdRunning: Bool
    public let userName: String

    public init(root: String?, scope: Scope?, environment: [String: String] = ProcessInfo.processInfo.environment,
                systemdRunning: Bool = FileManager.default.fileExists(atPath: "/run/systemd/system")) {
        let trimmed = (root ?? "").hasSuffix("/") ? String((root ?? "").dropLast()) : (root ?? "")
        self.root = trimmed
        self.scope = scope ?? (getuid() == 0 ? .system : .user)
        self.environment = environment
        self.systemdRunning = systemdRunning
        self.userName = getpwuid(getuid()).flatMap { String(validatingCString: $0.pointee.pw_name) } ?? environment["USER"] ?? "root"
    }

    public var hasRoot: Bool { !root.isEmpty }

    /// `--cron`, or cron where systemd is not running; a `--root` tree is taken for a
    /// systemd system unless `--cron` says otherwise.
    public func kind(cron: Bool) -> Kind { cron || (!hasRoot && !systemdRunning) ? .cron : .systemd }

    /// Why `systemctl` is not called, or nil when it is.
    public var systemctlSkipped: String? {
        if hasRoot { return "--root is given" }
        if !systemdRunning { return "systemd is not running here" }
        return nil
    }

    public func systemctl(_ arguments: String...) -> [String] {
        ["systemctl"] + (scope == .user ? ["--user"] : []) + arguments
    }

    private var home: String { environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory() }

    public func unitDirectory(_ scope: Scope) -> String {
        switch scope {
        case .system: return root + "/etc/systemd/system"
        case .user:
            let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
            return root + config + "/systemd/user"
        }
    }

    public var cronDDirectory: String { root + "/etc/cron.d" }

    /// The user's crontab as a file, under `--root` only (elsewhere `crontab` owns it).
    public var crontabFile: String? { hasRoot ? root + "/var/spool/cron/crontabs/" + userName : nil }

    /// Where a cron schedule's output is appended (the path as seen by the running job).
    public func logFile(_ name: String) -> String {
        scope == .system ? "/var/log/\(name).log" : StateDirectory.path(environment: environment) + "/\(name).log"
    }
}
