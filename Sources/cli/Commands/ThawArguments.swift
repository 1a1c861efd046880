import Foundation
import Repo
import Storage

/// The `--thaw` options of commands that read packs (restore, copy), and how a thaw's
/// progress is shown. Parsing and presentation only: `PackThawGate` does the work.
enum ThawArguments {
    static let options = [
        OptionSpec("thaw", "request a restore of the archived packs needed (S3 GLACIER, DEEP_ARCHIVE); exit 20 until they are readable"),
        OptionSpec("thaw-tier", value: "TIER", "retrieval tier for --thaw: bulk (default, cheapest), standard or expedited"),
        OptionSpec("thaw-days", value: "N", "days the store keeps thawed copies readable (default 7)"),
        OptionSpec("wait", "with --thaw: wait until the thawed packs are readable, then go on (looks every 10 minutes, REPO_THAW_POLL)"),
    ]

    /// nil without --thaw.
    static func parse(_ context: CommandContext) throws -> ThawOptions? {
        let arguments = context.arguments
        guard arguments.has("thaw") else {
            for option in ["thaw-tier", "thaw-days"] where arguments.value(option) != nil { throw UsageError("--\(option) needs --thaw") }
            if arguments.has("wait") { throw UsageError("--wait needs --thaw") }
            return nil
        }
        var options = ThawOptions()
        if let text = arguments.value("thaw-tier") {
            guard let tier = ThawTier(rawValue: text.lowercased()) else {
                throw UsageError("--thaw-tier needs bulk, standard or expedited, not \(text.debugDescription)")
            }
            options.tier = tier
        }
        if let days = try arguments.integer("thaw-days", in: 1...30000) { options.days = days }
        options.wait = arguments.has("wait")
        if let text = ProcessInfo.processInfo.environment["REPO_THAW_POLL"] {
            guard let seconds = TimeSpan.parse(text), seconds > 0 else {
                throw UsageError("REPO_THAW_POLL needs a duration such as 10m or 30s, not \(text.debugDescription)")
            }
            options.pollInterval = seconds
        }
        return options
    }

    /// Prints what a thaw does: its cost before any request, then its progress.
    static func report(_ event: ThawEvent, to output: Output) {
        guard !output.json else { return }
        switch event {
        case .cost(let packs, let bytes, let thawing, let tier, let days):
            output.line("thaw: requesting \(packs) \(packs == 1 ? "pack" : "packs"), \(Format.bytes(bytes)), tier \(tier.rawValue), kept \(days) days"
                        + (thawing > 0 ? " (\(thawing) more already thawing)" : ""))
        case .requested(let done, let total):
            if done == total {
                output.line("thaw: requested \(total) \(total == 1 ? "pack" : "packs")")
            } else if output.isInteractive {
                output.terminal("\rthaw: requested \(done) of \(total) packs")
            }
        case .waiting(let readable, let total, let next):
            output.line(readable == total ? "thaw: all \(total) packs readable"
                        : "thaw: \(readable) of \(total) packs readable; looking again in \(TimeSpan.describe(next))")
        }
    }
}
