import Posix

/// A storage failure, phrased for the person who must fix it.
public enum BackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The object does not exist.
    case notFound(ObjectName)
    /// The repository itself (its root directory or bucket) does not exist.
    case repositoryNotFound(location: String)
    /// The location holds another program's repository (`kind`: "restic", "borg"), not
    /// one of ours: nothing to open, and nothing damaged.
    case foreignRepository(location: String, kind: String)
    /// A repository was to be created at a path that is a file (or other non-directory).
    case notADirectory(location: String)
    /// A repository was to be created where one already is.
    case alreadyExists(location: String)
    /// The name is not one a repository can hold (`ObjectName.isValid`): a bug in the
    /// caller or a forged id, refused before it can name a path outside the repository.
    case invalidName(ObjectName)
    /// A read returned fewer bytes than asked for.
    case truncated(ObjectName, expected: Int, actual: Int)
    /// The operating system refused: permission, disk full, I/O error... `path` names the
    /// file or object, `operation` what was being done.
    case io(operation: String, path: String, errno: Int32)
    /// The storage service refused or failed (object stores); message without secrets.
    case service(String)
    /// The store did not answer, or answered only with errors worth retrying, until the
    /// retries or the time allowed ran out: nothing is known to be wrong with the
    /// repository, and the same command may succeed later. Message without secrets.
    case unreachable(String)
    /// The object is in an archive tier (S3 GLACIER, DEEP_ARCHIVE) with no restored copy
    /// readable: nothing is wrong with it, but it must be thawed before it can be read.
    /// Never retried, never damage.
    case archived(ObjectName, storageClass: String?)

    public var description: String {
        switch self {
        case .notFound(let name): return "object \(name) not found"
        case .repositoryNotFound(let location): return "no repository at \(location)"
        case .foreignRepository(let location, let kind): return "\(location) is a \(kind) repository, not a repo repository"
        case .notADirectory(let location): return "\(location) is a file, not a directory"
        case .alreadyExists(let location): return "a repository already exists at \(location)"
        case .invalidName(let name): return "invalid object name \"\(name.kind.rawValue)/\(name.id)\""
        case .truncated(let name, let expected, let actual):
            return "object \(name) is truncated: expected \(expected) bytes, got \(actual)"
        case .io(let operation, let path, let code):
            return "cannot \(operation) \(path): \(Errno.message(code))"
        case .service(let message), .unreachable(let message): return message
        case .archived(let name, let storageClass):
            return "object \(name) is archived\(storageClass.map { " in \($0)" } ?? ""): it must be thawed before it can be read (repo restore --thaw)"
        }
    }
}

extension BackendError {
    /// `.io` for `errno` raised while doing `operation` on `path`.
    public init(_ errno: Errno, _ operation: String, _ path: String) {
        self = .io(operation: operation, path: path, errno: errno.code)
    }
}
