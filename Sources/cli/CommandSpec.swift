/// What a command accepts: its options and positional arguments, with the help text that
/// describes every one of them.
struct OptionSpec: Sendable {
    let long: String
    let short: Character?
    /// Nil for a flag; otherwise the placeholder shown in help (`PATTERN`, `N`).
    let value: String?
    let help: String
    let repeatable: Bool

    init(_ long: String, short: Character? = nil, value: String? = nil, repeatable: Bool = false, _ help: String) {
        self.long = long
        self.short = short
        self.value = value
        self.help = help
        self.repeatable = repeatable
    }
}

struct CommandSpec: Sendable {
    let name: String
    let summary: String
    /// Usage after `repo NAME`, e.g. `[OPTIONS] PATH...`.
    let usage: String
    let details: String
    let options: [OptionSpec]
    /// How many positional arguments: a range, e.g. 0...0 or 1...Int.max.
    let positionals: ClosedRange<Int>
    let subcommands: [CommandSpec]

    init(_ name: String, summary: String, usage: String = "[OPTIONS]", details: String = "", options: [OptionSpec] = [],
         positionals: ClosedRange<Int> = 0...0, subcommands: [CommandSpec] = []) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.details = details
        self.options = options
        self.positionals = positionals
        self.subcommands = subcommands
    }
}

/// Options every command accepts, before or after the command name.
let globalOptions: [OptionSpec] = [
    OptionSpec("repo", short: "r", value: "REPOSITORY", "repository location: a directory, s3://BUCKET/PREFIX, s3:https://ENDPOINT/BUCKET/PREFIX, sftp:USER@HOST:PATH or sftp://USER@HOST:PORT/PATH (or set REPO_REPOSITORY)"),
    OptionSpec("sftp-command", value: "COMMAND",
               "run COMMAND (with sh -c) instead of `ssh HOST -s sftp` to reach an SFTP repository, e.g. \"ssh -i KEY -p 2222 user@host -s sftp\" (or set REPO_SFTP_COMMAND)"),
    OptionSpec("s3-storage-class", value: "CLASS", "S3 storage class for data packs, e.g. STANDARD_IA (metadata stays STANDARD)"),
    OptionSpec("s3-connections", value: "N", "S3 requests in flight at once (default 8)"),
    OptionSpec("limit-upload", value: "RATE",
               "hold uploads to object stores to RATE, across all connections: KiB/s, or with a unit (500K, 2MiB, 10Mbit), `off`, or a timetable like \"08:00-20:00 2MiB, 20:00-08:00 off\" (or set REPO_LIMIT_UPLOAD)"),
    OptionSpec("limit-download", value: "RATE", "the same for downloads (or set REPO_LIMIT_DOWNLOAD)"),
    OptionSpec("password-file", value: "FILE", "read the password from the first line of FILE (or set REPO_PASSWORD_FILE)"),
    OptionSpec("password-command", value: "COMMAND",
               "run COMMAND (with sh -c, without repo's secrets in its environment) and use the first line it prints as the password (or set REPO_PASSWORD_COMMAND)"),
    OptionSpec("lock-wait", value: "DURATION",
               "when the repository is locked, retry for up to DURATION (30s, 5m, 1h; default 0: fail at once; or set REPO_LOCK_WAIT)"),
    OptionSpec("retry-budget", value: "DURATION",
               "retry a request the store failed (5xx, SlowDown, timeouts, lost or refused connections) for up to DURATION in all (default 10m; 0: never; or set REPO_RETRY_BUDGET)"),
    OptionSpec("no-lock", "commands that only read (snapshots, ls, dump, diff, restore, check, stats) take no lock; one that cannot write its lock reads without one anyway"),
    OptionSpec("cache-dir", value: "DIR", "local cache directory (default $XDG_CACHE_HOME/repo or ~/.cache/repo)"),
    OptionSpec("no-cache", "do not use the local cache"),
    OptionSpec("json", "machine-readable JSON output"),
    OptionSpec("quiet", short: "q", "print nothing but errors"),
    OptionSpec("verbose", short: "v", "print more detail"),
    OptionSpec("help", short: "h", "show help for the command"),
]
