/// What a `TreeWalker` reports, in walk order.
public enum WalkEvent: Sendable {
    /// A directory, before its entries (pre-order).
    case enter(FilePath, FileMetadata)
    /// The same directory after its entries (post-order), with the metadata of `enter`.
    case leave(FilePath, FileMetadata)
    /// Anything that is not a directory: a file, symlink, device, FIFO or socket.
    case entry(FilePath, FileMetadata)
    /// Something at `path` could not be read; the walk goes on without it (or, for a
    /// directory that cannot be listed, without its entries: `enter` and `leave` still come).
    case problem(FilePath, FileSystemError)
}
