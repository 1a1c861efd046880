import Foundation
import Posix
import Repo
import Storage

/// A job's state file and its run lock: `STATE/jobs/NAME.json`, replaced atomically, and
/// `STATE/jobs/NAME.lock`, held (flock) for the length of a run or drill so that two runs
/// of one job on one machine queue instead of racing on the state.
public final class JobStateStore: @unchecked Sendable {
    public let job: String
    public let directory: String
    private var lockFile: FileDescriptor?

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
        let file: FileDescriptor
        do throws(Errno) {
            file = try FileDescriptor.open(path, flags: O_RDWR | O_CREAT, mode: 0o600)
        } catch {
            throw StateError.cannotWrite(path, error.description)
        }
        let deadline = Date().addingTimeInterval(wait)
        var announced = false
        while true {
            // nil: flock failed for another reason than a holder, which waiting cannot cure.
            let locked = try? file.tryLockExclusively()
            if locked == true { break }
            guard locked == false, Date() < deadline else {
                try? file.close()
                throw JobError.alreadyRunning(job: job, waited: TimeSpan.describe(wait))
            }
            if !announced { onWait?(); announced = true }
            usleep(200_000)
        }
        lockFile = file
    }

    public func unlock() {
        guard let lockFile else { return }
        lockFile.unlock()
        try? lockFile.close()
        self.lockFile = nil
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
