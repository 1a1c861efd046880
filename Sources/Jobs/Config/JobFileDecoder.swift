import Foundation
import Repo
import Storage
import TOML

/// Turns a job file's TOML into a `JobFile`, strictly: unknown keys, wrong types, missing
/// keys and references to nothing are errors at their line and column.
struct JobFileDecoder {
    let file: String

    func decode(_ text: String) throws -> JobFile {
        let root = TOMLTableReader(try TOML.parse(text, file: file), file: file, name: "")
        var repositories: [String: RepositoryConfig] = [:]
        for (name, reader) in try root.table("repository")?.subtables() ?? [] {
            repositories[name] = try repository(name, reader)
        }
        var jobs: [Job] = []
        var jobPositions: [String: TOMLPosition] = [:]
        for (name, reader) in try root.table("job")?.subtables() ?? [] {
            jobs.append(try job(name, reader))
            jobPositions[name] = reader.table.position
        }
        let notifiers = try NotifierDecoder(file: file).decode(root)
        try root.finish()
        for job in jobs {
            try checkReferences(job, repositories: repositories, at: jobPositions[job.name])
            for name in job.notify ?? [] where !notifiers.contains(where: { $0.name == name }) {
                throw TOMLError(file: file, position: jobPositions[job.name] ?? TOMLPosition(line: 1, column: 1),
                                message: "[job.\(job.name)] notifies \(name.debugDescription), which no [notify.NAME] defines")
            }
        }
        return JobFile(path: file, repositories: repositories, jobs: jobs, notifiers: notifiers)
    }

    private func repository(_ name: String, _ reader: TOMLTableReader) throws -> RepositoryConfig {
        var config = RepositoryConfig(name: name, location: try reader.requiredString("location"))
        config.passwordFile = try reader.string("password-file")
        config.passwordCommand = try reader.string("password-command")
        if config.passwordFile != nil && config.passwordCommand != nil {
            throw reader.error("\(reader.name) has both `password-file` and `password-command`: keep one", at: "password-command")
        }
        config.s3StorageClass = try reader.string("s3-storage-class")
        config.s3Connections = try reader.integer("s3-connections", in: 1...128)
        config.sftpCommand = try reader.string("sftp-command")
        config.retryBudget = try retryBudget(reader)
        try reader.finish()
        return config
    }

    private func job(_ name: String, _ reader: TOMLTableReader) throws -> Job {
        var job = Job(name: name, repository: try reader.requiredString("repository"))
        job.copyTo = try reader.stringArray("copy-to") ?? []
        job.paths = try reader.stringArray("paths") ?? []
        for (index, path) in job.paths.enumerated() where !path.hasPrefix("/") {
            throw reader.error("`paths` in \(reader.name): \(path.debugDescription) (entry \(index + 1)) must be an absolute path", at: "paths")
        }
        job.exclude = try reader.stringArray("exclude") ?? []
        job.excludeIfPresent = try reader.stringArray("exclude-if-present") ?? []
        job.oneFileSystem = try reader.boolean("one-file-system") ?? false
        job.tags = try reader.stringArray("tags") ?? []
        job.host = try reader.string("host")
        if let keep = try reader.table("keep") { job.keep = try policy(keep) }
        if let text = try reader.string("prune") { job.prune = try cadence(text, key: "prune", reader) }
        if let check = try reader.table("check") {
            if let text = try check.string("structure") { job.checkStructure = try cadence(text, key: "structure", check) }
            if let text = try check.string("read-data") {
                guard let schedule = ReadDataSchedule(text) else {
                    throw check.valueError("`read-data` in \(check.name) must be n/m (e.g. 1/7) or always, daily, weekly, monthly, never; not \(text.debugDescription)", at: "read-data")
                }
                job.readData = schedule
            }
            job.checkCopies = try check.boolean("copies") ?? false
            try check.finish()
        }
        if let text = try reader.string("lock-wait") {
            guard let seconds = TimeSpan.parse(text) else {
                throw reader.valueError("`lock-wait` in \(reader.name) must be a duration like 30m or 2h, \(TimeSpan.rangeText), not \(text.debugDescription)", at: "lock-wait")
            }
            job.lockWait = seconds
        }
        job.limitUpload = try bandwidth("limit-upload", reader)
        job.limitDownload = try bandwidth("limit-download", reader)
        job.retryBudget = try retryBudget(reader)
        job.drillFiles = try reader.integer("drill-files", in: 0...10_000) ?? job.drillFiles
        job.diskWarning = try reader.integer("disk-warning", in: 0...100) ?? job.diskWarning
        job.notify = try reader.stringArray("notify")
        for source in try reader.tables("database") ?? [] {
            let decoded = try database(source)
            if job.databases.contains(where: { $0.name == decoded.name }) {
                throw source.error("two database sources named \(decoded.name.debugDescription) in [job.\(name)]", at: "name")
            }
            job.databases.append(decoded)
        }
        for drill in try reader.tables("drill") ?? [] {
            let database = try drill.requiredString("database")
            guard let source = job.databases.first(where: { $0.name == database }) else {
                throw drill.error("\(drill.name) names database \(database.debugDescription), which is not a source of [job.\(name)]", at: "database")
            }
            if source.kind == .command {
                throw drill.error("\(drill.name): command sources cannot be queried; drill a postgres, mysql or sqlite source", at: "database")
            }
            let text = try drill.requiredString("expect")
            guard let expectation = Expectation(text) else {
                throw drill.valueError("`expect` in \(drill.name) must be a comparison like `> 0` or `= 12`, or the exact answer; not \(text.debugDescription)", at: "expect")
            }
            job.drills.append(DrillAssertion(database: database, query: try drill.requiredString("query"), expect: expectation))
            try drill.finish()
        }
        if job.paths.isEmpty && job.databases.isEmpty {
            throw reader.error("\(reader.name) backs up nothing: give `paths` or a [[job.\(name).database]]", at: nil)
        }
        try reader.finish()
        return job
    }

    /// A `limit-upload` or `limit-download`: a rate, `off`, or a timetable.
    private func bandwidth(_ key: String, _ reader: TOMLTableReader) throws -> BandwidthSchedule? {
        guard let text = try reader.string(key) else { return nil }
        do {
            return try BandwidthSchedule.parse(text)
        } catch {
            throw reader.valueError("`\(key)` in \(reader.name): \(error)", at: key)
        }
    }

    /// `retry-budget` of a job or repository table: a duration up to a day (0: no retries).
    private func retryBudget(_ reader: TOMLTableReader) throws -> TimeInterval? {
        guard let text = try reader.string("retry-budget") else { return nil }
        guard let seconds = TimeSpan.parse(text), S3Configuration.budgetRange.contains(seconds) else {
            throw reader.valueError("`retry-budget` in \(reader.name) must be a duration like 10m or 1h, from 0 to 24h, not \(text.debugDescription)", at: "retry-budget")
        }
        return seconds
    }

    /// One `[[job.NAME.database]]`: the keys each type takes, and only those.
    private func database(_ reader: TOMLTableReader) throws -> DatabaseSource {
        let typeText = try reader.requiredString("type")
        guard let kind = DatabaseSource.Kind(rawValue: typeText) else {
            let known = DatabaseSource.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw reader.valueError("`type` in \(reader.name) must be one of \(known), not \(typeText.debugDescription)", at: "type")
        }
        let name = try reader.requiredString("name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.hasPrefix(".") else {
            throw reader.valueError("`name` in \(reader.name) must be letters, digits, `-`, `_` or `.`, not \(name.debugDescription)", at: "name")
        }
        var source = DatabaseSource(kind: kind, name: name)
        switch kind {
        case .postgres, .mysql:
            source.database = try reader.string("database")
            source.host = try reader.string("host")
            source.port = try reader.integer("port", in: 1...65535)
            source.user = try reader.string("user")
            source.dumpOptions = try reader.stringArray("dump-options") ?? []
        case .postgresPhysical:
            // The database drill assertions run in (the whole cluster is backed up).
            source.database = try reader.string("database")
            source.host = try reader.string("host")
            source.port = try reader.integer("port", in: 1...65535)
            source.user = try reader.string("user")
        case .sqlite:
            source.path = try reader.requiredString("path")
            guard source.path?.hasPrefix("/") == true else {
                throw reader.error("`path` in \(reader.name) must be an absolute path", at: "path")
            }
        case .command:
            let command = try reader.stringArray("command") ?? []
            guard !command.isEmpty, !command[0].isEmpty else {
                throw reader.error("\(reader.name) of type command needs `command`, e.g. [\"turso\", \"db\", \"shell\", \"app\", \".dump\"]", at: reader.has("command") ? "command" : nil)
            }
            source.command = command
            source.restoreCommand = try reader.stringArray("restore-command")
        }
        try reader.finish()
        // What the keys' types cannot say (a database name starting with `-`, an empty
        // restore command): the engines' own rules, at the source's table.
        if let problem = DatabaseEngines.validate(source) { throw reader.error(problem, at: nil) }
        return source
    }

    private func policy(_ reader: TOMLTableReader) throws -> RetentionPolicy {
        var policy = RetentionPolicy()
        let range: ClosedRange<Int64> = -1...Int64(Int32.max)
        policy.keepLast = try reader.integer("last", in: range)
        policy.keepHourly = try reader.integer("hourly", in: range)
        policy.keepDaily = try reader.integer("daily", in: range)
        policy.keepWeekly = try reader.integer("weekly", in: range)
        policy.keepMonthly = try reader.integer("monthly", in: range)
        policy.keepYearly = try reader.integer("yearly", in: range)
        func within(_ key: String) throws -> RetentionDuration? {
            guard let text = try reader.string(key) else { return nil }
            do { return try RetentionDuration(parsing: text) } catch {
                throw reader.valueError("`\(key)` in \(reader.name): \(error)", at: key)
            }
        }
        policy.keepWithin = try within("within")
        policy.keepWithinHourly = try within("within-hourly")
        policy.keepWithinDaily = try within("within-daily")
        policy.keepWithinWeekly = try within("within-weekly")
        policy.keepWithinMonthly = try within("within-monthly")
        policy.keepWithinYearly = try within("within-yearly")
        policy.keepTags = try reader.stringArray("tags") ?? []
        try reader.finish()
        guard !policy.isEmpty else { throw reader.error("\(reader.name) keeps nothing: give at least one rule, e.g. daily = 7", at: nil) }
        return policy
    }

    private func cadence(_ text: String, key: String, _ reader: TOMLTableReader) throws -> Cadence {
        guard let cadence = Cadence(rawValue: text) else {
            throw reader.valueError("`\(key)` in \(reader.name) must be always, daily, weekly, monthly or never; not \(text.debugDescription)", at: key)
        }
        return cadence
    }

    private func checkReferences(_ job: Job, repositories: [String: RepositoryConfig], at place: TOMLPosition?) throws {
        func fail(_ message: String) -> TOMLError {
            TOMLError(file: file, position: place ?? TOMLPosition(line: 1, column: 1), message: message)
        }
        let known = repositories.keys.sorted().joined(separator: ", ")
        guard repositories[job.repository] != nil else {
            throw fail("[job.\(job.name)] writes to repository \(job.repository.debugDescription), which no [repository.NAME] defines" + (known.isEmpty ? "" : " (defined: \(known))"))
        }
        for target in job.copyTo {
            guard repositories[target] != nil else { throw fail("[job.\(job.name)] copies to repository \(target.debugDescription), which no [repository.NAME] defines") }
            guard target != job.repository else { throw fail("[job.\(job.name)] copies to its own repository \(target.debugDescription)") }
        }
    }
}

extension TOMLTableReader {
    /// An error about what a key holds, at the value (`error(_:at:)` points at the key).
    func valueError(_ message: String, at key: String) -> TOMLError {
        guard let node = table[key] else { return error(message, at: key) }
        return TOMLError(file: file, position: node.position, message: message)
    }
}
