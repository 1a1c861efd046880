import Foundation
import Jobs

/// One installed schedule of `schedule list --json` (an array of them).
struct ScheduleEntry: Encodable {
    struct LastResult: Encodable {
        let succeeded: Bool
        let started: String
        let seconds: Double
    }

    let job: String
    let drill: Bool
    let kind: String
    let scope: String
    let spec: String
    let place: String
    @Nullable var next_run: String?
    @Nullable var last_success: String?
    @Nullable var last_result: LastResult?

    init(_ entry: ScheduleListing.Entry) {
        job = entry.job
        drill = entry.drill
        kind = entry.kind.rawValue
        scope = entry.scope.rawValue
        spec = entry.spec
        place = entry.place
        next_run = entry.nextRun
        last_success = entry.lastSuccess.map(MessageEncoding.time)
        last_result = entry.lastResult.map {
            LastResult(succeeded: $0.succeeded, started: MessageEncoding.time($0.started), seconds: $0.seconds)
        }
    }
}

/// `schedule install --json` and `schedule remove --json`: what was (or, with `--dry-run`,
/// would be) done.
struct SchedulePlanMessage: Encodable {
    let job: String
    let kind: String
    let dry_run: Bool
    let actions: [ScheduleActionMessage]

    init(_ plan: SchedulePlan, dryRun: Bool, actions: [ScheduleAction]) {
        job = plan.job
        kind = plan.kind.rawValue
        dry_run = dryRun
        self.actions = actions.map(ScheduleActionMessage.init)
    }
}

/// One action of a schedule plan: `action` is `write` (`path`, `mode`, `contents`),
/// `remove` and `mkdir` (`path`), `run` (`command`, `run`, and `not_run_because` when it was
/// not run) or `crontab` (`contents`). The fields an action does not have are left out.
struct ScheduleActionMessage: Encodable {
    let action: String
    var path: String?
    var mode: String?
    var contents: String?
    var command: [String]?
    var run: Bool?
    var not_run_because: String?

    init(_ action: ScheduleAction) {
        switch action {
        case .write(let path, let contents, let mode):
            (self.action, self.path, self.mode, self.contents) = ("write", path, SchedulePlanView.octal(mode), contents)
        case .remove(let path): (self.action, self.path) = ("remove", path)
        case .makeDirectory(let path): (self.action, self.path) = ("mkdir", path)
        case .run(let command, let skipped):
            (self.action, self.command, run, not_run_because) = ("run", command, skipped == nil, skipped)
        case .replaceCrontab(let contents): (self.action, self.contents) = ("crontab", contents)
        }
    }
}
