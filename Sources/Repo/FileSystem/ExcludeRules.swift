/// What a walk leaves out below its roots. The roots themselves are always walked: naming a
/// path to back up overrides any rule that would exclude it.
public struct ExcludeRules: Sendable {
    /// An entry matching any of these is left out (see `ExcludePattern`).
    public var patterns: [ExcludePattern]
    /// A directory holding an entry with one of these names is left out, e.g. `.nobackup`.
    /// `CACHEDIR.TAG` counts only as a file that starts with the signature of the Cache
    /// Directory Tagging Specification, so a stray file of that name excludes nothing.
    public var excludeIfPresent: [String]
    /// Stay on the file system of each root: a directory on another device (a mount point) is
    /// recorded, but empty.
    public var oneFileSystem: Bool

    public init(patterns: [ExcludePattern] = [], excludeIfPresent: [String] = [], oneFileSystem: Bool = false) {
        self.patterns = patterns
        self.excludeIfPresent = excludeIfPresent
        self.oneFileSystem = oneFileSystem
    }

    public func excludes(_ path: FilePath, isDirectory: Bool) -> Bool {
        patterns.contains { $0.matches(path, isDirectory: isDirectory) }
    }
}
