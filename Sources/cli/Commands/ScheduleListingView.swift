import Foundation
import Jobs

/// `repo schedule list`: a table for people, an array for machines.
enum ScheduleListingView {
    static func print(_ entries: [ScheduleListing.Entry], _ output: Output) {
        if output.json {
            output.emit(entries.map(ScheduleEntry.init))
            return
        }
        guard !entries.isEmpty else {
            output.line("no schedules installed; add one with `repo schedule install JOB --at SPEC`")
            return
        }
        let rows = [["JOB", "KIND", "SPEC", "NEXT RUN", "LAST RESULT"]] + entries.map { entry in
            [entry.job + (entry.drill ? " (drill)" : ""), "\(entry.kind.rawValue) \(entry.scope.rawValue)", entry.spec,
             entry.nextRun ?? "unknown", lastResult(entry)]
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            output.line((0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                        + "  " + row[4])
        }
    }

    private static func lastResult(_ entry: ScheduleListing.Entry) -> String {
        guard let last = entry.lastResult else { return "never ran" }
        var text = "\(last.succeeded ? "succeeded" : "FAILED") \(Format.time(last.started)) in \(Format.duration(last.seconds))"
        if !last.succeeded, let success = entry.lastSuccess { text += "; last success \(Format.time(success))" }
        if !last.succeeded && entry.lastSuccess == nil && !entry.drill { text += "; never succeeded" }
        return text
    }
}
