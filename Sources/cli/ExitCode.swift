import Foundation
import Jobs
import Repo
import Storage
import TOML
import Workers

/// The exit codes `repo` promises (README.md, "Exit codes"). Scripts depend on them.
enum ExitCode: Int32 {
    case success = 0
    /// Something failed; the message says what.
    case failure = 1
    /// The command line was wrong.
    case usage = 2
    /// The snapshot was written, but some files could not be read (listed in it).
    case partial = 3
    /// No repository at the given location (or another program's: restic, borg).
    case repositoryNotFound = 10
    /// Another process holds a conflicting lock (restic's code for "failed to lock").
    case locked = 11
    /// No key opens with the password, or no password was available (restic's code).
    case wrongPassword = 12
    /// `check` found damage, or an object failed to decode.
    case damaged = 13
    /// The repository was written by a newer version.
    case unsupportedVersion = 14
    /// `--stdin-from-command`'s command failed or could not start: no snapshot was written.
    case commandFailed = 15
    /// `repo run` or `repo drill`: at least one step failed (the summary names it).
    case jobFailed = 16
    /// The job file cannot be read or is wrong (the message gives its line and column).
    case jobFileInvalid = 17
    /// `repo status --max-age`: a job's last run failed, or its last success is too old.
    case stale = 18
    /// The store did not answer (network down, timeouts, errors worth retrying until the
    /// retries ran out): nothing is known to be damaged; try again later.
    case storeUnreachable = 19
    /// Data packs the command needs are archived (S3 GLACIER, DEEP_ARCHIVE) and not yet
    /// readable: nothing is damaged; `restore --thaw` requests them, run again once thawed.
    case archived = 20
    /// `wal push`: a different file of that name is archived already; nothing written.
    case walConflict = 21
    /// `wal fetch`: no WAL file of that name in the repository (PostgreSQL's restore_command
    /// reads it as "not archived", the normal end of recovery).
    case walNotFound = 22
    /// Stopped by SIGINT (Ctrl-C) at a safe point; the message says what was saved.
    case interrupted = 130
    /// Stopped by SIGTERM at a safe point; the message says what was saved.
    case terminated = 143

    /// The code for an error that ended a command.
    static func of(_ error: Error) -> ExitCode {
        switch error {
        case is UsageError: return .usage
        case let error as Cancelled: return error.signal == SIGTERM ? .terminated : .interrupted
        case let error as BackendError:
            switch error {
            case .repositoryNotFound, .foreignRepository: return .repositoryNotFound
            case .unreachable: return .storeUnreachable
            case .archived: return .archived
            default: return .failure
            }
        case let error as FormatError:
            switch error {
            case .wrongPassword, .noKeys: return .wrongPassword
            case .unsupportedVersion, .unsupportedAlgorithm: return .unsupportedVersion
            case .corrupt: return .damaged
            }
        case let error as RepositoryError:
            if case .locked = error { return .locked }
            return .failure
        case let error as SnapshotError:
            switch error {
            case .commandFailed, .commandNotStarted: return .commandFailed
            default: return .failure
            }
        case is ArchivedPacksError: return .archived
        case let error as WALError:
            switch error {
            case .conflict: return .walConflict
            case .notFound: return .walNotFound
            case .invalidName: return .usage
            case .mismatch: return .damaged
            case .io: return .failure
            }
        case is PruneError, is RepositoryDamage: return .damaged
        case is PasswordError: return .wrongPassword
        case is TOMLError: return .jobFileInvalid
        case let error as JobError:
            switch error {
            case .noJobFile, .unreadableFile, .unknownJob, .unknownRepository: return .jobFileInvalid
            default: return .failure
            }
        default: return .failure
        }
    }
}
