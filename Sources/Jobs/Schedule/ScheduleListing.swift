import Foundation

/// Every schedule `repo schedule` installed, wherever it is: timers in the system and user
/// unit directories, `/etc/cron.d` files and the user's crontab; each with its next run and
/// the last result its job's state remembers.
public struct ScheduleListing: Sendable {
    public let host: ScheduleHost
    public let calendar: SystemdCalendar
    public let stateDirectory: String

    public init(host: ScheduleHost, calendar: SystemdCalendar = SystemdCalendar(), stateDirectory: String) {
        self.host = host
        self.calendar = calendar
        self.stateDirectory = stateDirectory
    }

    public struct Entry: Sendable {
        public let job: String
        public let drill: Bool
        public let kind: ScheduleHost.Kind
        public let scope: ScheduleHost.Scope
        /// The OnCalendar expression or the five cron fields.
        public let spec: String
        /// The file (or crontab) that holds it.
        public let place: String
        /// Like systemd prints it: `Tue 2026-12-08 03:00:00 UTC`; nil when unknown.
        public let nextRun: String?
        /// The last run (or, for a drill schedule, drill): nil when there was none.
        public let lastResult: LastResult?
        public let lastSuccess: Date?
    }

    public struct LastResult: Sendable, Equatable {
        public let succeeded: Bool
        public let started: Date
        public let seconds: Double
    }

    public func entries(now: Date = Date()) throws -> [Entry] {
        var found: [(job: String, drill: Bool, kind: ScheduleHost.Kind, scope: ScheduleHost.Scope, spec: String, place: String, next: String?)] = []
        for scope in [ScheduleHost.Scope.system, .user] {
            let directory = host.unitDirectory(scope)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            where name.hasPrefix("repo-") && name.hasSuffix(".timer") {
                let path = "\(directory)/\(name)"
                guard let text = TextFile.read(path),
                      let marker = text.split(separator: "\n").lazy.compactMap(ScheduleName.parseMarker).first,
                      let onCalendar = SystemdUnits.onCalendar(inTimer: text) else { continue }
                let next = (try? calendar.analyze(onCalendar))??.nextElapse
                found.append((marker.job, marker.drill, .systemd, scope, onCalendar, path, next))
            }
        }
        let cronDays = host.cronDDirectory
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: cronDays)) ?? []).sorted() where name.hasPrefix("repo-") {
            let path = "\(cronDays)/\(name)"
            let text = TextFile.read(path) ?? ""
            for line in CronTable.Found.all(in: text, userField: true) {
                found.append((line.job, line.drill, .cron, .system, line.schedule.description, path, nextCronRun(line.schedule, now: now)))
            }
        }
        let crontab = UserCrontab(host: host)
        for line in CronTable.Found.all(in: (try? crontab.read()) ?? "", userField: false) {
            found.append((line.job, line.drill, .cron, .user, line.schedule.description, crontab.place, nextCronRun(line.schedule, now: now)))
        }
        return found.map { item in
            let state = JobStateStore(job: item.job, directory: stateDirectory).load()
            let last = item.drill
                ? state.lastDrill.map { LastResult(succeeded: $0.succeeded, started: $0.started, seconds: $0.seconds) }
                : state.lastRun.map { LastResult(succeeded: $0.succeeded, started: $0.started, seconds: $0.seconds) }
            return Entry(job: item.job, drill: item.drill, kind: item.kind, scope: item.scope, spec: item.spec, place: item.place,
                         nextRun: item.next, lastResult: last, lastSuccess: item.drill ? nil : state.lastSuccess)
        }
    }

    private func nextCronRun(_ schedule: CronSchedule, now: Date) -> String? {
        schedule.next(after: now, calendar: Calendar.current).map(Self.systemdStyle)
    }

    /// `Tue 2026-12-08 03:00:00 UTC`, as `systemd-analyze` writes times, so both kinds read alike.
    public static func systemdStyle(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "EEE yyyy-MM-dd HH:mm:ss zzz"
        return formatter.string(from: date)
    }
}
