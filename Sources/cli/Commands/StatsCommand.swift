import Repo

enum StatsCommand {
    static func run(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository()
        let filter = Commands.filter(context.arguments)
        var damaged: [SnapshotListing.Damaged] = []
        let snapshots: [StoredSnapshot]
        if context.arguments.positionals.isEmpty {
            let listing = try repository.snapshotListing()
            (snapshots, damaged) = (listing.snapshots.filter { filter.matches($0.snapshot) }, listing.damaged)
        } else {
            snapshots = try context.arguments.positionals.map { try repository.findSnapshot($0, filter: filter) }
        }
        // The figures cover the snapshots that load; the damaged ones are named, exit 13.
        for snapshot in damaged { context.output.warning(snapshot.warning) }
        let exit: ExitCode = damaged.isEmpty ? .success : .damaged
        let stats = try repository.stats(of: snapshots)
        if context.output.json {
            context.output.emit(StatsMessage(stats))
            return exit
        }
        context.output.line("snapshots:          \(stats.snapshots)")
        context.output.line("files:              \(stats.files)")
        context.output.line("logical size:       \(Format.bytes(stats.logicalBytes))")
        context.output.line("unique data:        \(Format.bytes(stats.uniqueBytes)) in \(stats.uniqueBlobs) blobs")
        context.output.line("stored data:        \(Format.bytes(stats.storedBytes))")
        context.output.line("repository packs:   \(Format.bytes(stats.packBytes)) in \(stats.packs) packs")
        context.output.line("deduplication:      \(String(format: "%.2fx", stats.deduplicationRatio))")
        context.output.line("compression:        \(String(format: "%.2fx", stats.compressionRatio))")
        return exit
    }
}
