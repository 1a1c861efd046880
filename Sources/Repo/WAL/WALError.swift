import Posix

/// What `wal push` and `wal fetch` refuse, each with its own exit code (README.md).
public enum WALError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A different file of this name is archived already: PostgreSQL must not go on as if
    /// this one were (two clusters archiving into one repository, or a restored cluster
    /// archiving over its past without a new timeline).
    case conflict(name: String)
    /// No WAL file of this name in the repository: what a restore_command says at the end
    /// of the archive.
    case notFound(name: String)
    /// A name PostgreSQL does not give its archived files.
    case invalidName(String)
    /// The stored bytes do not hash to the record's SHA-256 (or have another length).
    case mismatch(name: String)
    /// A file to push cannot be read, or the file fetched cannot be written.
    case io(path: String, what: String, code: Int32)

    public var description: String {
        switch self {
        case .conflict(let name):
            return "\(name) is archived already with different content: refused (is another cluster archiving into this repository? see docs/guide.md, \"PostgreSQL point-in-time recovery\")"
        case .notFound(let name): return "\(name) is not in the repository's WAL archive"
        case .invalidName(let name):
            return "\(name.debugDescription) is not the name of a WAL segment, history, backup or partial file"
        case .io(let path, let what, let code): return "cannot \(what) \(path): \(Errno.message(code))"
        case .mismatch(let name): return "\(name): the stored bytes do not match the record's size and SHA-256: run `repo check`"
        }
    }
}
