import Foundation

/// Plans `repo schedule install` and `remove`: which files to write or delete and which
/// commands to run. Nothing happens until `ScheduleWriter` applies the plan, so `--dry-run`
/// shows exactly what a real run does. Installing again replaces the earlier schedule.
public struct ScheduleInstaller: Sendable {
    public let host: ScheduleHost
    public let calendar: SystemdCalendar

    public init(host: ScheduleHost, calendar: SystemdCalendar = SystemdCalendar()) {
        self.host = host
        self.calendar = calendar
    }

    public func install(_ command: ScheduledCommand, at spec: ScheduleSpec, cron: Bool) throws -> SchedulePlan {
        var normalized: String?
        if case .calendar(let expression) = spec { normalized = try calendar.analyze(expression)?.normalized }
        let kind = host.kind(cron: cron)
        switch kind {
        case .systemd:
            let units = SystemdUnits(command: command, spec: spec)
            let directory = host.unitDirectory(host.scope)
            return SchedulePlan(job: command.job, kind: kind, actions: [
                .write(path: "\(directory)/\(units.serviceName)", contents: units.service, mode: 0o644),
                .write(path: "\(directory)/\(units.timerName)", contents: units.timer, mode: 0o644),
                .run(host.systemctl("daemon-reload"), skipped: host.systemctlSkipped),
                .run(host.systemctl("enable", "--now", units.timerName), skipped: host.systemctlSkipped),
            ])
        case .cron:
            let schedule = try spec.cron(normalized: normalized)
            let log = host.logFile(command.name)
            let logDirectory = host.root + (log as NSString).deletingLastPathComponent
            var actions: [ScheduleAction] = FileManager.default.fileExists(atPath: logDirectory) ? [] : [.makeDirectory(path: logDirectory)]
            if host.scope == .system {
                let table = CronTable(command: command, schedule: schedule, user: host.userName, log: log)
                actions.append(.write(path: "\(host.cronDDirectory)/\(table.cronDName)", contents: table.cronDFile, mode: 0o644))
            } else {
                let crontab = UserCrontab(host: host)
                let table = CronTable(command: command, schedule: schedule, user: nil, log: log)
                actions.append(crontab.replace(with: table.merged(into: try crontab.read())))
            }
            return SchedulePlan(job: command.job, kind: kind, actions: actions)
        }
    }

    /// Without `cron`, the systemd units if there are any, else the cron schedule.
    public func remove(job: String, drill: Bool, cron: Bool) throws -> SchedulePlan {
        let name = ScheduleName.of(job: job, drill: drill)
        let directory = host.unitDirectory(host.scope)
        let units = ["\(directory)/\(name).timer", "\(directory)/\(name).service"].filter { FileManager.default.fileExists(atPath: $0) }
        if !cron && !units.isEmpty {
            return SchedulePlan(job: job, kind: .systemd, actions:
                [.run(host.systemctl("disable", "--now", "\(name).timer"), skipped: host.systemctlSkipped)]
                + units.map { .remove(path: $0) }
                + [.run(host.systemctl("daemon-reload"), skipped: host.systemctlSkipped)])
        }
        let place: String
        if host.scope == .system {
            let file = "\(host.cronDDirectory)/\(ScheduleName.cronFile(job: job, drill: drill))"
            let text = TextFile.read(file) ?? ""
            if CronTable.Found.all(in: text, userField: true).contains(where: { $0.job == job && $0.drill == drill }) {
                return SchedulePlan(job: job, kind: .cron, actions: [.remove(path: file)])
            }
            place = file
        } else {
            let crontab = UserCrontab(host: host)
            if let kept = CronTable.removing(job: job, drill: drill, from: try crontab.read()) {
                return SchedulePlan(job: job, kind: .cron, actions: [crontab.replace(with: kept)])
            }
            place = crontab.place
        }
        let searched = cron ? place : "\(directory) and \(place)"
        throw ScheduleError.notInstalled(job: job + (drill ? " (drill)" : ""), kind: cron ? "cron" : "systemd or cron", place: searched)
    }
}
