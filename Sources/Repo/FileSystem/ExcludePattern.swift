/// One `--exclude` pattern, with gitignore-like rules for what it is matched against.
///
/// - A pattern without `/` matches an entry's name at any depth: `*.log`, `node_modules`.
/// - A pattern with `/` matches the whole path as the walk produces it (a root as given,
///   then `/` and names, see `FilePath.appending`), from its first byte: `/srv/app/cache`
///   for a root given as `/srv/app`, `build/out` for a root given as `build` or `.`. Use `**/`
///   to float it: `**/cache/tmp` matches at any depth.
/// - A trailing `/` restricts the pattern to directories: `logs/` excludes a directory
///   `logs` but not a file of that name.
///
/// Wildcards are those of `GlobPattern`; matching is on bytes and case-sensitive. Excluding
/// a directory excludes everything below it, because the walker does not descend into it.
public struct ExcludePattern: Sendable, Equatable {
    /// The pattern as written.
    public let bytes: [UInt8]
    private let glob: GlobPattern
    private let matchesWholePath: Bool
    private let directoriesOnly: Bool

    public init(_ pattern: String) {
        self.init(bytes: Array(pattern.utf8))
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
        var body = bytes[...]
        while body.count > 1, body.last == FilePath.separator { body.removeLast() }
        directoriesOnly = body.count < bytes.count
        matchesWholePath = body.contains(FilePath.separator)
        glob = GlobPattern(Array(body))
    }

    public func matches(_ path: FilePath, isDirectory: Bool) -> Bool {
        if directoriesOnly && !isDirectory { return false }
        return glob.matches(matchesWholePath ? path.bytes : path.name)
    }
}
