import Codec
import Repo

enum InitCommand {
    static func run(_ context: CommandContext) throws -> ExitCode {
        let location = try context.requireLocation()
        var parameters = RepositoryParameters()
        if let megabytes = try context.arguments.integer("pack-size", in: 1...1024) { parameters.packTargetSize = megabytes << 20 }
        if let kibibytes = try context.arguments.integer("dump-chunk-size", in: 1...1024) {
            guard kibibytes & (kibibytes - 1) == 0, (try? parameters.chunkDumps(averageSize: kibibytes << 10)) != nil else {
                throw UsageError("--dump-chunk-size needs a power of two from 1 to 1024 (KiB), not \(kibibytes)")
            }
        }
        if let kibibytes = try context.arguments.integer("segment-size", in: 0...16384) {
            guard kibibytes == 0 || kibibytes >= 64 else { throw UsageError("--segment-size needs 0 or 64 to 16384 (KiB), not \(kibibytes)") }
            parameters.segments = kibibytes == 0 ? nil : RepositoryParameters.Segments(maximum: kibibytes << 10)
        }
        if let setting = context.arguments.value("compression") {
            guard let policy = CompressionPolicy(setting: setting) else {
                throw UsageError("--compression needs \(compressionChoices), not \(setting.debugDescription)")
            }
            parameters.compression = policy.algorithm.rawValue
            parameters.compressionLevel = Int(policy.level)
        }
        let password = try context.passwords.newPassword()
        let backend = try context.backend(at: location, create: true)
        let repository = try Repository.initialize(backend: backend, password: password, parameters: parameters)
        if context.output.json {
            context.output.emit(InitMessage(id: repository.id, location: location, compression: parameters.compression,
                                            compression_level: parameters.compressionLevel,
                                            dump_chunk_size: (parameters.dumpChunking ?? parameters.textChunking).average))
        } else {
            context.output.line("created repository \(repository.id.prefix(8)) at \(location)"
                                + " (compression \(parameters.compression):\(parameters.compressionLevel))")
            context.output.line("keep the password safe: without it the data cannot be read")
        }
        return .success
    }

    static let compressionChoices = "zstd or zlib, optionally with :LEVEL (zstd -7 to 19 but not 0, zlib 1 to 9)"
    static let compressionHelp = "compression of new data: \(compressionChoices); default \(CompressionPolicy.default.setting)"

    static func unlock(_ context: CommandContext) throws -> ExitCode {
        let repository = try context.openRepository(loadIndex: false)
        let removed = try RepositoryLock.removeLocks(repository, all: context.arguments.has("remove-all"))
        for lock in removed { context.output.line("removed \(lock)") }
        if removed.isEmpty { context.output.line("no stale locks") }
        return .success
    }
}
