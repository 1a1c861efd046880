/// The directories of a repository on a local disk (docs/format.md, "Objects and names"),
/// and the names of the temporary files that make its writes atomic.
enum LocalLayout {
    /// Kinds with a directory of their own: all but `config`, which sits in the root.
    static let kindDirectories: [ObjectKind] = ObjectKind.allCases.filter { $0 != .config }

    /// Kinds added within format version 1 (docs/format.md, "Changes"): repositories made
    /// before them lack their directories.
    static let addedLater: Set<ObjectKind> = [.condemned, .policy, .runs, .keyring, .wal]

    /// `00` to `ff`: the subdirectories of a sharded kind, created up front so that
    /// writing a pack never has to create one.
    static let shards: [String] = (0..<256).map { hexByte(UInt8($0)) }

    /// The directory holding `name`, relative to the repository root (`.` for config).
    static func directory(of name: ObjectName) -> String {
        let path = name.path
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// Whether a directory entry under a sharded kind is a shard: two lowercase hex digits.
    static func isShard(_ entry: String) -> Bool {
        entry.utf8.count == 2 && ObjectName.isValidHex(entry)
    }

    /// Temporary files start with a dot, so that they sort apart and no object id (hex
    /// digits only) can ever be mistaken for one.
    static let temporaryPrefix = ".tmp-"

    /// A fresh temporary name: 64 random bits make a clash between concurrent writers,
    /// even from other hosts on a shared filesystem, practically impossible.
    static func temporaryName() -> String {
        var generator = SystemRandomNumberGenerator()
        let random = generator.next() as UInt64
        return temporaryPrefix + (0..<8).map { hexByte(UInt8(truncatingIfNeeded: random >> ($0 * 8))) }.joined()
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16)
        return byte < 0x10 ? "0" + hex : hex
    }
}
