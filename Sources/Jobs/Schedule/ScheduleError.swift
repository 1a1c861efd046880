/// Failures of `repo schedule`: one line naming the thing and what to do.
public enum ScheduleError: Error, CustomStringConvertible, Sendable {
    /// The `--at` text is none of the accepted forms (the command line's fault: exit 2).
    case badSpec(String, reason: String)
    /// A schedule systemd can keep but a crontab cannot express.
    case notCronExpressible(String, reason: String)
    case badJobName(String)
    case notInstalled(job: String, kind: String, place: String)
    case cannotWrite(path: String, reason: String)
    case cannotRemove(path: String, reason: String)
    case commandFailed(command: String, detail: String)

    public static let acceptedForms =
        "`daily HH:MM`, `hourly`, `every Nm` or `every Nh` (N dividing an hour or a day), `weekly DAY HH:MM`, `monthly DAY-OF-MONTH HH:MM`, or a systemd OnCalendar expression such as `Mon..Fri *-*-* 02:30`"

    /// A mistake in the command line (`--at`, the job name) rather than on the machine.
    public var isCommandLineMistake: Bool {
        switch self {
        case .badSpec, .notCronExpressible, .badJobName: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .badSpec(let text, let reason):
            return "--at \(text.debugDescription): \(reason); accepted: \(Self.acceptedForms)"
        case .notCronExpressible(let text, let reason):
            return "--at \(text.debugDescription) cannot be written as a cron schedule (\(reason)): use a systemd timer (drop --cron) or one of \(Self.acceptedForms)"
        case .badJobName(let name):
            return "job name \(name.debugDescription) cannot name a schedule: use letters, digits, `-`, `_` and `.`"
        case .notInstalled(let job, let kind, let place):
            return "no \(kind) schedule of job \(job) is installed (looked in \(place)); see `repo schedule list`"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .cannotRemove(let path, let reason): return "cannot remove \(path): \(reason)"
        case .commandFailed(let command, let detail): return "`\(command)` failed: \(detail)"
        }
    }
}
