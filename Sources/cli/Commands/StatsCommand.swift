import Repo

enum StatsCommand {
    static func run(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository()
        let filter = Commands.filter(context.arguments)
        let snapshots = try context.arguments.positionals.isEmpty
            ? repository.snapshots().filter { filter.matches($0.snapshot) }
            : context.arguments.positionals.map { try repository.findSnapshot($0, filter: filter) }
        let stats = try repository.stats(of: snapshots)
        if context.output.json {
            context.output.emit(StatsMessage(stats))
            return .success
        }
        context.output.line("snapshots:          \(stats.snapshots)")
        context.output.line("files:              \(stats.files)")
        context.output.line("logical size:       \(Format.bytes(stats.logicalBytes))")
        context.output.line("unique data:        \(Format.bytes(stats.uniqueBytes)) in \(stats.uniqueBlobs) blobs")
        context.output.line("stored data:        \(Format.bytes(stats.storedBytes))")
        context.output.line("repository packs:   \(Format.bytes(stats.packBytes)) in \(stats.packs) packs")
        context.output.line("deduplication:      \(String(format: "%.2fx", stats.deduplicationRatio))")
        context.output.line("compression:        \(String(format: "%.2fx", stats.compressionRatio))")
        return .success
    }
}
