import Foundation
import Repo
import Storage
import Synchronization

/// What every command needs besides its own arguments: where the repository is, how to
/// get the password, where the cache lives, and how to print.
struct CommandContext {
    let arguments: ParsedArguments
    let output: Output
    let location: String?
    let passwords: PasswordSource
    let cacheDirectory: String?
    /// How long to wait for a conflicting lock to go (`--lock-wait`, REPO_LOCK_WAIT).
    let lockWait: TimeInterval
    /// `--no-lock`: commands that only read take no lock.
    let noLock: Bool
    /// `--limit-upload`/`--limit-download` (REPO_LIMIT_UPLOAD, REPO_LIMIT_DOWNLOAD): nil
    /// when not given, so that a job's own limits apply.
    let uploadLimit: BandwidthSchedule?
    let downloadLimit: BandwidthSchedule?
    /// The environment backends read (credentials, S3 and SFTP settings), with the command
    /// line's S3 and SFTP options folded in.
    let environment: [String: String]
    /// Every backend opened, so that `--verbose` can report their requests at the end.
    let opened = OpenedBackends()
    /// Shows the backends' waits before retries (`--verbose`, the progress line).
    let retries: RetryReporter

    init(_ arguments: ParsedArguments) throws {
        self.arguments = arguments
        output = Output(json: arguments.has("json"), quiet: arguments.has("quiet"), verbose: arguments.has("verbose"))
        location = arguments.value("repo") ?? ProcessInfo.processInfo.environment["REPO_REPOSITORY"]
        if arguments.value("password-file") != nil && arguments.value("password-command") != nil {
            throw UsageError("--password-file and --password-command exclude each other: give one")
        }
        passwords = PasswordSource(file: arguments.value("password-file"), command: arguments.value("password-command"))
        cacheDirectory = arguments.has("no-cache") ? nil : (arguments.value("cache-dir") ?? LocalCache.defaultDirectory())
        noLock = arguments.has("no-lock")
        var environment = ProcessInfo.processInfo.environment
        lockWait = try Self.lockWait(arguments.value("lock-wait"), environment: environment["REPO_LOCK_WAIT"])
        retries = RetryReporter(output: output)
        if let budget = try Self.retryBudget(arguments.value("retry-budget"), environment: environment["REPO_RETRY_BUDGET"]) {
            // Backends read it from there; the option overrides the environment's.
            environment["REPO_RETRY_BUDGET"] = String(budget)
        }
        if let storageClass = arguments.value("s3-storage-class") { environment["REPO_S3_STORAGE_CLASS"] = storageClass }
        if let command = arguments.value("sftp-command") { environment["REPO_SFTP_COMMAND"] = command }
        if let connections = arguments.value("s3-connections") {
            guard let value = Int(connections), (1...128).contains(value) else {
                throw UsageError("--s3-connections needs a whole number from 1 to 128, not \(connections.debugDescription)")
            }
            environment["REPO_S3_CONNECTIONS"] = String(value)
        }
        uploadLimit = try Self.bandwidth(arguments.value("limit-upload"), option: "limit-upload", environment: environment)
        downloadLimit = try Self.bandwidth(arguments.value("limit-download"), option: "limit-download", environment: environment)
        self.environment = environment
        applyBandwidthLimits(upload: nil, download: nil)
    }

    /// Holds every object-store connection of the process to the command line's limits,
    /// or else to these (a job's).
    func applyBandwidthLimits(upload: BandwidthSchedule?, download: BandwidthSchedule?) {
        if let schedule = uploadLimit ?? upload { BandwidthLimits.process.upload.configure(schedule) }
        if let schedule = downloadLimit ?? download { BandwidthLimits.process.download.configure(schedule) }
    }

    /// The limits object-store traffic was held to, for `--verbose`; nil when none was
    /// set or no object store was opened.
    var bandwidthSummary: String? {
        let limits = BandwidthLimits.process
        guard limits.isLimited, !opened.requestSummaries.isEmpty else { return nil }
        return "upload \(limits.upload.schedule), download \(limits.download.schedule)"
    }

    private static func bandwidth(_ option: String?, option name: String, environment: [String: String]) throws -> BandwidthSchedule? {
        let variable = "REPO_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
        guard let text = option ?? environment[variable] else { return nil }
        do {
            return try BandwidthSchedule.parse(text)
        } catch {
            throw UsageError("\(option == nil ? variable : "--" + name): \(error)")
        }
    }

    /// Opens a backend for `location` (`create`: for a new repository) and remembers it.
    func backend(at location: String, create: Bool = false) throws -> any Backend {
        let backend = create ? try BackendFactory.create(location, environment: environment, onRetry: retries.observer)
                             : try BackendFactory.open(location, environment: environment, onRetry: retries.observer)
        opened.add(backend)
        return backend
    }

    func requireLocation() throws -> String {
        guard let location, !location.isEmpty else {
            throw UsageError("no repository given: use --repo or set REPO_REPOSITORY")
        }
        return location
    }

    /// How this command opens the repository at `location` (default: --repo), `name`d in
    /// its errors when given; `password` defaults to the command's own.
    func opener(at location: String? = nil, name: String? = nil, password: (() throws -> [UInt8])? = nil) throws -> RepositoryOpener {
        let passwords = self.passwords
        var opener = RepositoryOpener(location: try location ?? requireLocation(), name: name, environment: environment,
                                      password: password ?? { try passwords.password() }, cacheDirectory: cacheDirectory,
                                      lockWait: lockWait, onLockWait: lockWaitNotice, onBackendOpened: { [opened] in opened.add($0) })
        opener.noLock = noLock
        opener.onRetry = retries.observer
        let output = self.output
        opener.onReadWithoutLock = { note in if !output.quiet { Console.error("repo: \(note)\n") } }
        return opener
    }

    /// Opens the repository, takes a lock and only then loads the index. `readOnly`: the
    /// command only reads (no lock with `--no-lock`, none when the repository cannot be
    /// written); a command that writes refuses `--no-lock`.
    func openLocked(exclusive: Bool, operation: String, loadIndex: Bool = true, readOnly: Bool = false) throws -> (Repository, RepositoryLock) {
        if noLock && !readOnly { throw UsageError("--no-lock is only for commands that only read; \(operation) writes to the repository") }
        return try opener().openLocked(exclusive: exclusive, operation: operation, loadIndex: loadIndex, readOnly: readOnly)
    }

    /// Takes a lock, waiting for a conflicting one as long as `--lock-wait` allows (and
    /// saying so once on stderr unless quiet).
    func lock(_ repository: Repository, exclusive: Bool, operation: String) throws -> RepositoryLock {
        if noLock { throw UsageError("--no-lock is only for commands that only read; \(operation) writes to the repository") }
        return try RepositoryOpener.lock(repository, exclusive: exclusive, operation: operation, wait: lockWait, onWait: lockWaitNotice)
    }

    /// Says once on stderr (unless quiet) that a lock is waited for.
    private var lockWaitNotice: (String) -> Void {
        { [output] waiting in if !output.quiet { output.warning(waiting) } }
    }

    private static func lockWait(_ option: String?, environment: String?) throws -> TimeInterval {
        guard let text = option ?? environment else { return 0 }
        guard let seconds = TimeSpan.parse(text) else {
            let source = option == nil ? "REPO_LOCK_WAIT" : "--lock-wait"
            throw UsageError("\(source) needs a duration like 30s, 5m or 1h (0: do not wait), \(TimeSpan.rangeText), not \(text.debugDescription)")
        }
        return seconds
    }

    /// `--retry-budget`'s seconds (else REPO_RETRY_BUDGET's): a duration up to a day (0:
    /// never retry); nil when neither is given.
    private static func retryBudget(_ option: String?, environment: String?) throws -> TimeInterval? {
        guard let text = option ?? environment else { return nil }
        guard let seconds = TimeSpan.parse(text), S3Configuration.budgetRange.contains(seconds) else {
            let source = option == nil ? "REPO_RETRY_BUDGET" : "--retry-budget"
            throw UsageError("\(source) needs a duration like 30s, 10m or 1h (0: do not retry), from 0 to 24h, not \(text.debugDescription)")
        }
        return seconds
    }

    /// Opens the repository; `loadIndex: false` for commands that never look up a blob (or,
    /// like prune, load the index themselves once they hold their lock).
    func openRepository(loadIndex: Bool = true) throws -> Repository {
        try opener().open(loadIndex: loadIndex)
    }
}

/// The backends a command opened.
final class OpenedBackends: Sendable {
    private let backends = Mutex<[any Backend]>([])

    func add(_ backend: any Backend) { backends.withLock { $0.append(backend) } }

    /// One line per object-store backend: its requests by type and bytes moved.
    var requestSummaries: [String] {
        backends.withLock { $0.compactMap { ($0 as? S3Backend).map { "\($0.location): \($0.statistics.summary)" } } }
    }
}
