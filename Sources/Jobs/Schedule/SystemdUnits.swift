import Foundation

/// The service and timer of a systemd schedule. The service is a oneshot at the lowest CPU
/// and I/O priority, so a backup never slows the application it saves; it carries no
/// secrets (units are world-readable): `repo run` reads them from the job file's sources.
public struct SystemdUnits: Sendable, Equatable {
    public let command: ScheduledCommand
    public let spec: ScheduleSpec

    public init(command: ScheduledCommand, spec: ScheduleSpec) {
        self.command = command
        self.spec = spec
    }

    public var serviceName: String { command.name + ".service" }
    public var timerName: String { command.name + ".timer" }

    /// The marker `list` finds units by, and what wrote them.
    private var header: String {
        ScheduleName.marker(job: command.job, drill: command.drill) + "\n" + ScheduleName.header(job: command.job, drill: command.drill, cron: false)
    }

    public var service: String {
        let what = command.drill ? "restore drill" : "backup"
        return """
            \(header)
            [Unit]
            Description=repo \(what) job \(command.job)
            Wants=network-online.target
            After=network-online.target

            [Service]
            Type=oneshot
            ExecStart=\(command.arguments().map(Self.quoted).joined(separator: " "))
            Nice=19
            IOSchedulingClass=idle
            CPUSchedulingPolicy=batch

            """
    }

    public var timer: String {
        """
        \(header)
        [Unit]
        Description=repo \(command.drill ? "restore drill" : "backup") job \(command.job): \(spec.onCalendar)

        [Timer]
        OnCalendar=\(spec.onCalendar)
        # A run missed while the machine was off happens at the next boot.
        Persistent=true
        RandomizedDelaySec=\(spec.randomizedDelay)
        AccuracySec=1m
        Unit=\(serviceName)

        [Install]
        WantedBy=timers.target

        """
    }

    /// The OnCalendar value of a timer file's text, for listings.
    public static func onCalendar(inTimer text: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix("OnCalendar=") }.map { String($0.dropFirst("OnCalendar=".count)) }
    }

    /// systemd's command-line quoting: words with spaces or quotes in double quotes.
    static func quoted(_ word: String) -> String {
        guard word.contains(where: { " \t\"'\\;$%".contains($0) }) else { return word }
        let escaped = word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "$", with: "$$").replacingOccurrences(of: "%", with: "%%")
        return "\"\(escaped)\""
    }
}
