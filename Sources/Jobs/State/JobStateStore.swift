import Foundation
import Posix
import Repo

/// A job's state file and its run lock: `STATE/jobs/NAME.json`, replaced atomically, and
/// `STATE/jobs/NAME.lock`, held (flock) for the length of a run or drill so that two runs
/// of one job on one machine queue instead of racing on the state.
public final class JobStateStore: @unchecked Sendable {
    public let job: String
    public let directory: String
    private var lockDescriptor: Int32 = -1

    public init(job: String, directory: String = StateDirectory.path()) {
        self.job = job
        self.directory = directory + "/jobs"
    }

    var statePath: String { "\(directory)/\(job).json" }

    /// The saved state; a fresh one when there is none (or it cannot be read: cadences then
    /// run at once, which is the safe side).
    public func load() -> JobState {
        guard let data = FileManager.default.contents(atPath: statePath) else { return JobState() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode(JobState.self, from: data)) ?? JobState()
    }

    /// Writes `state` to a temporary file and renames it over the old one.
    public func save(_ state: JobState) throws {
        try makeDirectory()
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(state) } catch { throw StateError.cannotWrite(statePath, "\(error)") }
        do {
            try AtomicFile.write(Array(data), to: statePath, mode: 0o600)
        } catch {
            throw StateError.cannotWrite(statePath, error.reason)
        }
    }

    /// Takes the job's run lock, waiting up to `wait` seconds for another run to finish.
    public func lock(wait: TimeInterval, onWait: (() -> Void)? = nil) throws {
        try makeDirectory()
        let path = "\(directory)/\(job).lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateError.cannotWrite(path, Errno.message(errno)) }
        let deadline = Date().addingTimeInterval(wait)
        var announced = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(fd)
                throw JobError.alreadyRunning(job: job, waited: TimeSpan.describe(wait))
            }
            if !announced { onWait?(); announced = true }
            usleep(200_000)
        }
        lockDescriptor = fd
    }

    public func unlock() {
        guard lockDescriptor >= 0 else { return }
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
        lockDescriptor = -1
    }

    deinit { unlock() }

    private func makeDirectory() throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateError.cannotWrite(directory, "cannot create it; set REPO_STATE_DIR to a writable directory")
        }
    }
}

public enum StateError: Error, CustomStringConvertible, Sendable {
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}
