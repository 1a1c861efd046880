import Foundation
import Repo

/// forget (by id), tag, repair: commands that change which snapshots or index objects exist.
enum MaintenanceCommands {
    static let countRules = ["last", "hourly", "daily", "weekly", "monthly", "yearly"]
    static let withinRules = ["", "-hourly", "-daily", "-weekly", "-monthly", "-yearly"]

    static let forgetSpec = CommandSpec(
        "forget", summary: "remove snapshots by id, or by a retention policy (their data stays until prune)",
        usage: "[OPTIONS] [SNAPSHOT...]",
        details: """
            With --keep-* rules, the policy applies per group (--group-by, default host,paths): in each hour, day,
            ISO week, month or year the newest snapshot counts; N = -1 keeps all. Durations: 30d, 2w, 1y6m, 12h.
            A policy that would remove every snapshot of a group is refused unless --allow-empty. Exclusive lock.
            """,
        options: countRules.map { OptionSpec("keep-\($0)", value: "N", "keep the \($0 == "last" ? "last N snapshots" : "newest snapshot of each of the last N \($0) periods")") }
            + withinRules.map { OptionSpec("keep-within\($0)", value: "DURATION",
                                           $0.isEmpty ? "keep every snapshot within DURATION of the newest"
                                                      : "keep the newest \($0.dropFirst()) snapshot within DURATION of the newest") }
            + [
                OptionSpec("keep-tag", value: "TAG", repeatable: true, "keep every snapshot with TAG"),
                OptionSpec("group-by", value: "FIELDS", "group snapshots by host, paths and/or tags (comma-separated; default host,paths)"),
                OptionSpec("utc", "periods in UTC instead of local time"),
                OptionSpec("allow-empty", "allow a policy to remove every snapshot of a group"),
                OptionSpec("dry-run", short: "n", "only show what would be kept and removed"),
                OptionSpec("prune", "prune afterwards, under the same lock (with prune's options below)"),
            ] + Commands.snapshotFilterOptions + PruneCommand.options,
        positionals: 0...Int.max)

    static let policySpec = CommandSpec(
        "policy", summary: "store a retention policy in the repository, for `repo forget` without rules",
        usage: "set [--keep-* ...] [--group-by FIELDS] | show | clear",
        subcommands: [
            CommandSpec("set", summary: "store a policy (replaces the one stored)",
                        options: forgetSpec.options.filter { $0.long.hasPrefix("keep-") || $0.long == "group-by" }),
            CommandSpec("show", summary: "print the stored policy"),
            CommandSpec("clear", summary: "remove the stored policy"),
        ])

    static func policyCommand(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository(loadIndex: false)
        let output = context.output
        switch context.arguments.command.last {
        case "set":
            let policy = try policy(context.arguments)
            guard !policy.isEmpty else { throw UsageError("policy set needs at least one --keep-* rule") }
            let stored = StoredPolicy(policy: policy, groupBy: try groupingFields(context.arguments) ?? GroupingField.defaultFields)
            let lock = try context.lock(repository, exclusive: true, operation: "policy set")
            defer { lock.release() }
            try repository.setPolicy(stored)
            output.line("stored policy: \(policy), grouped by \(stored.groupBy.map(\.rawValue).joined(separator: ","))")
        case "clear":
            output.line(try repository.clearPolicy() ? "stored policy removed" : "no policy was stored")
        default:
            guard let stored = try repository.storedPolicy() else {
                if output.json { output.emit(PolicyMessage?.none) } else { output.line("no policy stored: see `repo policy set`") }
                return .success
            }
            if output.json {
                output.emit(PolicyMessage(stored))
            } else {
                output.line("\(stored.policy), grouped by \(stored.groupBy.map(\.rawValue).joined(separator: ",")) (set \(Format.time(stored.time)) on \(stored.host))")
            }
        }
        return .success
    }

    static let tagSpec = CommandSpec(
        "tag", summary: "add, remove or set tags of snapshots", usage: "[OPTIONS] SNAPSHOT...",
        options: [
            OptionSpec("add", value: "TAG", repeatable: true, "add TAG"),
            OptionSpec("remove", value: "TAG", repeatable: true, "remove TAG"),
            OptionSpec("set", value: "TAG", repeatable: true, "replace all tags by these"),
        ],
        positionals: 1...Int.max)

    static let repairSpec = CommandSpec(
        "repair", summary: "rebuild repository structures", usage: "index | packs [PACK-ID...] | snapshots",
        subcommands: [
            CommandSpec("index", summary: "rebuild the index from the pack headers (exclusive lock)"),
            CommandSpec("packs", summary: "take damaged packs out of the repository, keeping every blob that still reads (exclusive lock)",
                        usage: "[OPTIONS] [PACK-ID...]",
                        details: """
                            Without ids every pack is read (as `check --read-data` reads) to find the damaged ones: missing, cut short,
                            a header that does not open, a blob that does not verify. Intact blobs are copied into new packs, the index
                            is rewritten without the damaged packs and they are deleted. Then run `repo snapshot` again for the sources
                            (it stores what was lost) and `repo repair snapshots` (for what no source brings back).
                            """,
                        options: [OptionSpec("dry-run", short: "n", "only read the packs and report what would be salvaged and lost")],
                        positionals: 0...Int.max),
            CommandSpec("snapshots", summary: "rewrite snapshots that refer to missing data so the rest restores (exclusive lock)",
                        details: "Files with missing content are removed, directories with a missing tree become empty; the new snapshot is tagged `repaired` and lists what was lost.",
                        options: [OptionSpec("dry-run", short: "n", "only report what was lost")]),
        ])

    static func policy(_ arguments: ParsedArguments) throws -> RetentionPolicy {
        var policy = RetentionPolicy()
        func count(_ rule: String) throws -> Int? { try arguments.integer("keep-\(rule)", in: -1...Int(Int32.max)) }
        func within(_ rule: String) throws -> RetentionDuration? {
            guard let text = arguments.value("keep-within\(rule)") else { return nil }
            do { return try RetentionDuration(parsing: text) } catch { throw UsageError("--keep-within\(rule): \(error)") }
        }
        (policy.keepLast, policy.keepHourly, policy.keepDaily) = (try count("last"), try count("hourly"), try count("daily"))
        (policy.keepWeekly, policy.keepMonthly, policy.keepYearly) = (try count("weekly"), try count("monthly"), try count("yearly"))
        (policy.keepWithin, policy.keepWithinHourly, policy.keepWithinDaily) = (try within(""), try within("-hourly"), try within("-daily"))
        (policy.keepWithinWeekly, policy.keepWithinMonthly, policy.keepWithinYearly) = (try within("-weekly"), try within("-monthly"), try within("-yearly"))
        policy.keepTags = arguments.all("keep-tag")
        return policy
    }

    static func groupingFields(_ arguments: ParsedArguments) throws -> Set<GroupingField>? {
        guard let text = arguments.value("group-by") else { return nil }
        return try Set(text.split(separator: ",").map {
            guard let field = GroupingField(rawValue: String($0)) else { throw UsageError("--group-by: unknown field \($0) (host, paths, tags)") }
            return field
        })
    }

    static func forget(_ context: CommandContext) throws -> ExitCode {
        let arguments = context.arguments
        var policy = try policy(arguments)
        let givesRules = arguments.values.keys.contains { $0.hasPrefix("keep-") }
        if givesRules && !arguments.positionals.isEmpty { throw UsageError("give snapshot ids or --keep-* rules, not both") }
        var fields = try groupingFields(arguments) ?? GroupingField.defaultFields
        var pruneOptions = try PruneCommand.pruneOptions(arguments)
        let (repository, lock) = try context.openLocked(exclusive: true, operation: "forget", loadIndex: false)
        defer { lock.release() }
        // Neither ids nor rules: the policy stored in the repository (`repo policy set`).
        let usesPolicy = givesRules || arguments.positionals.isEmpty
        if !givesRules && arguments.positionals.isEmpty {
            guard let stored = try repository.storedPolicy() else {
                throw UsageError("forget needs snapshot ids, --keep-* rules, or a policy stored with `repo policy set`")
            }
            policy = stored.policy
            if try groupingFields(arguments) == nil { fields = Set(stored.groupBy) }
            if !context.output.json { context.output.line("applying the repository's policy: \(policy)") }
        }
        var damagedSnapshots = false
        let removed = usesPolicy ? try forgetByPolicy(context, repository, policy: policy, fields: fields,
                                                      damagedSnapshots: &damagedSnapshots).map(\.id)
                                 : try forgetByID(context, repository)
        // WAL older than the oldest base backup left serves no restore (its blobs go at the
        // next prune). A damaged snapshot might be a base backup: then nothing is judged.
        if !arguments.has("dry-run") && !damagedSnapshots {
            let dropped = try repository.forgetUnneededWAL()
            if !dropped.isEmpty && !context.output.json {
                context.output.line("removed \(dropped.count) WAL file(s) older than the oldest base backup (\(dropped.first!) to \(dropped.last!))")
            }
        }
        // Prune refuses by itself while a snapshot is damaged (its blobs would look unused).
        guard arguments.has("prune") else { return damagedSnapshots ? .damaged : .success }
        pruneOptions.assumeForgotten = Set(removed)
        return try PruneCommand.prune(repository, lock: lock, options: pruneOptions, context: context)
    }

    /// Applies the policy per group and removes (or, in a dry run, lists) what it drops.
    /// A damaged snapshot (which has no time to judge by) is named and left alone; the policy
    /// judges the others as if it were not there, which keeps at least as many of them.
    private static func forgetByPolicy(_ context: CommandContext, _ repository: Repository, policy: RetentionPolicy,
                                       fields: Set<GroupingField>, damagedSnapshots: inout Bool) throws -> [StoredSnapshot] {
        let arguments = context.arguments
        let listing = try repository.snapshotListing()
        for damaged in listing.damaged { context.output.warning(damaged.warning) }
        damagedSnapshots = !listing.damaged.isEmpty

        let filter = Commands.filter(arguments)
        let timeZone = arguments.has("utc") ? TimeZone(identifier: "UTC")! : TimeZone.current
        let plan: RetentionPlan
        do {
            plan = try RetentionPlan(snapshots: listing.snapshots.filter { filter.matches($0.snapshot) }, policy: policy,
                                     groupBy: fields, timeZone: timeZone, allowEmpty: arguments.has("allow-empty"))
        } catch let refusal as RetentionRefusal {
            throw UsageError("\(refusal)")
        }
        let removals = plan.removals
        for group in plan.groups {
            let decisions = group.decisions, removed = group.removed
            if context.output.json {
                context.output.emit(ForgetGroupMessage(group: "\(group.key)", keep: decisions.filter(\.keep).map {
                    ForgetGroupMessage.Kept(id: $0.snapshot.id, reasons: $0.reasons)
                }, remove: removed.map(\.id)))
            } else {
                context.output.line("group \(group.key): keep \(decisions.count - removed.count), remove \(removed.count)")
                for decision in decisions {
                    let time = Format.time(decision.snapshot.snapshot.time)
                    context.output.line("  \(decision.keep ? "keep  " : "remove") \(decision.snapshot.shortID)  \(time)  \(decision.reasons.joined(separator: ", "))")
                }
            }
        }
        if !arguments.has("dry-run") { try repository.forget(removals) }
        if !context.output.json {
            context.output.line(arguments.has("dry-run") ? "dry run: \(removals.count) snapshot(s) would be removed" : "removed \(removals.count) snapshot(s)")
        }
        return removals
    }

    /// By full id or unique prefix; a damaged snapshot is removed without being decoded.
    private static func forgetByID(_ context: CommandContext, _ repository: Repository) throws -> [String] {
        let ids = try context.arguments.positionals.map { try repository.findSnapshotID($0) }
        if !context.arguments.has("dry-run") { try repository.forget(ids: ids) }
        for id in ids {
            context.output.line("\(context.arguments.has("dry-run") ? "would remove" : "removed") snapshot \(id.prefix(8))")
        }
        return ids
    }

    static func tag(_ context: CommandContext) throws -> ExitCode {
        let arguments = context.arguments
        let add = arguments.all("add"), remove = arguments.all("remove")
        let set: [String]? = arguments.values["set"]
        guard !add.isEmpty || !remove.isEmpty || set != nil else { throw UsageError("tag needs --add, --remove or --set") }
        let (repository, lock) = try context.openLocked(exclusive: false, operation: "tag", loadIndex: false)
        defer { lock.release() }
        for spec in arguments.positionals {
            let stored = try repository.findSnapshot(spec)
            let changed = try repository.retag(stored, add: add, remove: remove, set: set)
            context.output.line(changed.id == stored.id ? "snapshot \(stored.shortID): unchanged"
                                                        : "snapshot \(stored.shortID) is now \(changed.shortID), tags: \(changed.snapshot.tags.joined(separator: ","))")
        }
        return .success
    }

    static func repair(_ context: CommandContext) throws -> ExitCode {
        if context.arguments.command.last == "snapshots" { return try repairSnapshots(context) }
        if context.arguments.command.last == "packs" { return try repairPacks(context) }
        // Without the local cache: it keeps index objects, and the rebuild replaces them.
        var opener = try context.opener()
        opener.cacheDirectory = nil
        let (repository, lock) = try opener.openLocked(exclusive: true, operation: "repair index", loadIndex: false)
        defer { lock.release() }
        let report = try IndexRepair(repository: repository).run()
        for damaged in report.damagedPacks { context.output.warning(damaged) }
        if context.output.json {
            context.output.emit(RepairIndexMessage(report))
        } else {
            context.output.line("indexed \(report.blobsIndexed) blobs in \(report.packsIndexed) packs; wrote \(report.indexObjectsWritten) index objects, removed \(report.indexObjectsRemoved)")
            if !report.damagedPacks.isEmpty { context.output.line("\(report.damagedPacks.count) damaged pack(s) left out: run `repo check`") }
        }
        return report.damagedPacks.isEmpty ? .success : .damaged
    }

    static func repairPacks(_ context: CommandContext) throws -> ExitCode {
        var options = PackRepairOptions()
        options.packs = context.arguments.positionals
        options.dryRun = context.arguments.has("dry-run")
        let (repository, lock) = try context.openLocked(exclusive: true, operation: "repair packs")
        defer { lock.release() }
        let report: PackRepairReport
        do {
            report = try PackRepair(repository: repository, options: options).run { step in
                if !context.output.json { context.output.detail(step) }
            }
        } catch let error as PackRepairError {
            throw UsageError("\(error)")
        }
        let output = context.output
        for pack in report.packs {
            if output.json {
                output.emit(RepairPackMessage(pack, dryRun: report.dryRun))
                continue
            }
            let verb = report.dryRun ? (salvaged: "would salvage", lost: "would lose") : (salvaged: "salvaged", lost: "lost")
            output.line("pack \(pack.id) (\(pack.type)): \(pack.problem ?? "named; no damage found")")
            if let failure = pack.failure {
                output.warning("pack \(pack.id) could not be repaired and stays as it was: \(failure)")
                continue
            }
            output.line("  \(verb.salvaged) \(pack.salvaged) blobs, \(verb.lost) \(pack.lost.count) blobs (\(pack.type))" +
                        (pack.heldElsewhere > 0 ? "; \(pack.heldElsewhere) held by other packs" : ""))
            for id in pack.lost { output.detail("  lost \(pack.type) blob \(id)") }
        }
        if output.json {
            output.emit(RepairPacksSummaryMessage(report))
        } else if report.packs.isEmpty {
            output.line("read \(report.packsRead) packs, \(Format.bytes(report.bytesRead)): no damaged packs found")
        } else {
            let done = report.packs.count { $0.failure == nil }
            output.line(report.dryRun ? "dry run: \(done) pack(s) would be repaired, \(report.lostBlobs) blob(s) lost; nothing was changed"
                                      : "repaired \(done) pack(s): wrote \(report.indexObjectsWritten) index objects, removed \(report.indexObjectsRemoved); deleted \(report.packsDeleted) pack(s)")
            if report.lostBlobs > 0 {
                output.line("next: run `repo snapshot` again for the sources (it stores what was lost), then `repo repair snapshots`")
            }
        }
        return report.isComplete ? .success : .damaged
    }

    static func repairSnapshots(_ context: CommandContext) throws -> ExitCode {
        let (repository, lock) = try context.openLocked(exclusive: true, operation: "repair snapshots")
        defer { lock.release() }
        let dryRun = context.arguments.has("dry-run")
        var repair = SnapshotRepair(repository: repository)
        let results = try repair.run(dryRun: dryRun)
        for damaged in repair.skipped { context.output.warning(damaged.warning) }
        var damaged = 0
        for result in results where !result.lost.isEmpty {
            damaged += 1
            let outcome = result.repaired.map { "rewritten as \($0.shortID)" } ?? "would be rewritten"
            if context.output.json {
                context.output.emit(RepairSnapshotMessage(result))
            } else {
                context.output.line("snapshot \(result.original.prefix(8)) \(outcome); lost:")
                for item in result.lost { context.output.line("  \(item)") }
            }
        }
        if !context.output.json { context.output.line("\(results.count) snapshots checked, \(damaged) \(dryRun ? "need" : "needed") repair") }
        return .success
    }
}
