import Foundation
import Repo
import Storage

/// prune: garbage collection, on its own or after `forget --prune`.
enum PruneCommand {
    static let options: [OptionSpec] = [
        OptionSpec("max-unused", value: "PERCENT", "repack packs with more than PERCENT unused (default 5%)"),
        OptionSpec("max-repack-size", value: "SIZE", "read at most SIZE of packs for repacking (e.g. 500M, 2G)"),
        OptionSpec("reseal", "also repack every pack sealed under an older key generation (after repo key rotate)"),
        OptionSpec("grace", value: "DURATION", "when another process may be running, delete condemned packs only after DURATION (default 24h; 30m, 12h, 2d)"),
    ]

    static let spec = CommandSpec(
        "prune", summary: "delete data no snapshot uses, repacking packs that are mostly unused",
        details: """
            Walks every snapshot's trees, deletes packs with no blob in use and repacks packs whose unused share
            exceeds --max-unused. Takes the exclusive lock. If another process's lock is present (even a stale one
            from another host), unused packs are only condemned: a later prune deletes them after --grace.
            Also removes what interrupted writes left (temporary files, unfinished multipart uploads) once 24 hours old.
            """,
        options: options + [OptionSpec("dry-run", short: "n", "only report what would be deleted and repacked")])

    static func pruneOptions(_ arguments: ParsedArguments) throws -> PruneOptions {
        var options = PruneOptions()
        options.dryRun = arguments.has("dry-run")
        options.reseal = arguments.has("reseal")
        if let text = arguments.value("max-unused") {
            let number = text.hasSuffix("%") ? String(text.dropLast()) : text
            guard let percent = Double(number), (0...100).contains(percent) else {
                throw UsageError("--max-unused needs a percentage from 0 to 100, not \(text.debugDescription)")
            }
            options.maxUnused = percent / 100
        }
        if let text = arguments.value("max-repack-size") {
            guard let size = parseSize(text) else { throw UsageError("--max-repack-size needs a size like 500M or 2G, \(sizeRangeText), not \(text.debugDescription)") }
            options.maxRepackBytes = size
        }
        if let text = arguments.value("grace") {
            guard let seconds = TimeSpan.parse(text) else { throw UsageError("--grace needs a duration like 30m, 12h or 2d, \(TimeSpan.rangeText), not \(text.debugDescription)") }
            options.grace = seconds
        }
        return options
    }

    static func run(_ context: CommandContext) throws -> ExitCode {
        let options = try pruneOptions(context.arguments)
        let (repository, lock) = try context.openLocked(exclusive: true, operation: "prune", loadIndex: false)
        defer { lock.release() }
        return try prune(repository, lock: lock, options: options, context: context)
    }

    /// Runs a prune under `lock` (held exclusively by the caller) and reports it.
    static func prune(_ repository: Repository, lock: RepositoryLock, options: PruneOptions, context: CommandContext) throws -> ExitCode {
        let output = context.output
        let start = Date()
        func trace(_ step: String) {
            guard output.verbose else { return }
            output.line(String(format: "%7.2f s %6d MiB peak  ", Date().timeIntervalSince(start), peakMemoryMiB()) + step)
        }
        let report = try Pruner(repository: repository, options: options).run(lock: lock, progress: trace)
        trace("done")
        for damaged in report.damagedPacks { output.warning("\(damaged) (left in place)") }
        if let failure = report.incompleteWritesFailure { output.warning("incomplete writes not removed: \(failure)") }
        if output.json {
            output.emit(PruneMessage(report))
            return .success
        }
        let would = report.dryRun ? "would be " : ""
        output.line("\(report.snapshots) snapshots use \(report.liveBlobs) of \(report.blobs) blobs (\(Format.bytes(report.liveBytes)) of \(Format.bytes(report.storedBytes)) stored in \(report.packs) packs)")
        output.line("unused packs: \(report.unusedPacks) (\(Format.bytes(report.unusedBytes))); unindexed packs: \(report.unindexedPacks) (\(Format.bytes(report.unindexedBytes)))")
        output.line("packs to repack: \(report.repackedPacks) (\(Format.bytes(report.repackedBytes)), \(report.repackedBlobs) blobs in use)"
                    + (report.repackedPacks == 0 ? "" : ", \(would)rewritten into \(report.dryRun ? "about " : "")\(Format.bytes(report.rewrittenBytes))"))
        if report.archivedKeptPacks > 0 {
            output.line("kept \(report.archivedKeptPacks) partly used archived packs (\(Format.bytes(report.archivedKeptBytes))): repacking needs them thawed")
        }
        if report.resealedPacks > 0 { output.line("of which sealed under an older key generation, \(would)resealed: \(report.resealedPacks)") }
        if report.restoredPacks > 0 { output.line("condemned packs put back into the index (a snapshot raced a prune): \(report.restoredPacks)") }
        if report.missingPacks > 0 { output.line("packs missing from storage, dropped from the index: \(report.missingPacks)") }
        output.line("\(would)deleted: \(report.deletedPacks) packs (\(Format.bytes(report.deletedBytes)))")
        if report.condemnedPacks > 0 {
            output.line("\(would)condemned, not yet deleted: \(report.condemnedPacks) packs (\(Format.bytes(report.condemnedBytes))), because another process may be running:")
            for holder in report.deferredBecause { output.line("  \(holder)") }
            output.line("  a prune deletes them once that lock is gone (`repo unlock` if its process is), or after the grace period")
        }
        if report.incompleteWritesRemoved > 0 {
            let count = report.incompleteWritesRemoved
            output.line("removed \(count) incomplete write\(count == 1 ? "" : "s") (temporary files or multipart uploads of interrupted runs)")
        }
        output.line(report.dryRun ? "dry run: nothing was changed; about \(Format.bytes(report.freedBytes)) would be freed"
                                  : "freed \(Format.bytes(report.freedBytes))")
        return .success
    }

    /// The process's peak resident memory so far (VmHWM), for --verbose.
    static func peakMemoryMiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kib / 1024
    }

    /// The largest size `parseSize` accepts: 1024T (2^50 bytes).
    static let maximumSize = 1 << 50
    static let sizeRangeText = "from 0 to 1024T"

    /// `500M`, `2G`, `1.5T`, `1024` (bytes); binary units. Nil for anything else, for
    /// NaN and infinities, and beyond `maximumSize`.
    static func parseSize(_ text: String) -> Int? {
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        var number = text.uppercased()
        if number.hasSuffix("B") { number.removeLast() }
        var scale = 1.0
        if let last = number.last, let unit = units[last] {
            scale = unit
            number.removeLast()
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let bytes = value * scale
        guard bytes <= Double(maximumSize) else { return nil }
        return Int(bytes)
    }
}
