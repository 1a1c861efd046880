/// One step of installing or removing a schedule, shown by `--dry-run` and then done.
public enum ScheduleAction: Sendable, Equatable {
    /// A file replaced atomically, its directory created if need be.
    case write(path: String, contents: String, mode: Int)
    case remove(path: String)
    case makeDirectory(path: String)
    /// A command such as `systemctl daemon-reload`; skipped (and said so) when `skipped`.
    case run([String], skipped: String?)
    /// The user's crontab replaced through `crontab -`.
    case replaceCrontab(contents: String)
}

/// What `repo schedule install` or `remove` will do.
public struct SchedulePlan: Sendable, Equatable {
    public let job: String
    public let kind: ScheduleHost.Kind
    public let actions: [ScheduleAction]
}
