/// The kinds of object a repository holds, each under its own prefix (docs/format.md).
public enum ObjectKind: String, CaseIterable, Sendable {
    case config
    case keys
    /// Packs of file-content blobs.
    case dataPack = "data"
    /// Packs of tree (directory) blobs: small and read often, kept apart from data packs.
    case treePack = "tree"
    case index
    case snapshots
    case locks
    /// Packs a prune has taken out of the index, awaiting deletion (docs/design.md, "Prune").
    case condemned
    /// The stored retention policy.
    case policy
    /// Records of job runs and drills (`repo status`), kept by count.
    case runs
    /// Pack key generations added by `repo key rotate` (docs/format.md, "Pack key generations").
    case keyring
    /// WAL records of PostgreSQL archiving, one per archived file, named by a keyed hash
    /// of the file name (docs/format.md, "Version 4: WAL records").
    case wal

    /// Packs are many, so their names are spread over 256 subdirectories by the first two
    /// hex digits of their id.
    public var isSharded: Bool { self == .dataPack || self == .treePack }
}

/// The name of one object: its kind and id (64 lowercase hex digits, or empty for the
/// single `config` object).
public struct ObjectName: Hashable, Sendable, CustomStringConvertible {
    public let kind: ObjectKind
    public let id: String

    public init(_ kind: ObjectKind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    public static let config = ObjectName(.config, "")

    /// The object's path relative to the repository root, with `/` separators.
    public var path: String {
        switch kind {
        case .config: return "config"
        case _ where kind.isSharded: return "\(kind.rawValue)/\(id.prefix(2))/\(id)"
        default: return "\(kind.rawValue)/\(id)"
        }
    }

    public var description: String { path }

    /// Parses a relative path produced by `path`; nil for anything else (temporary files,
    /// strangers in the directory).
    public init?(path: String) {
        if path == "config" {
            self = .config
            return
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard let kind = parts.first.flatMap({ ObjectKind(rawValue: String($0)) }), kind != .config else { return nil }
        let id: Substring
        if kind.isSharded {
            guard parts.count == 3, parts[1].count == 2, parts[2].hasPrefix(parts[1]) else { return nil }
            id = parts[2]
        } else {
            guard parts.count == 2 else { return nil }
            id = parts[1]
        }
        guard ObjectName.isValidID(id) else { return nil }
        self.init(kind, String(id))
    }

    /// Whether the name is one `init?(path:)` could have produced. Backends refuse any
    /// other: an id holding `/` or `..` would reach outside the repository.
    public var isValid: Bool {
        kind == .config ? id.isEmpty : ObjectName.isValidID(id)
    }

    /// 64 lowercase hex digits.
    public static func isValidID(_ id: some StringProtocol) -> Bool {
        id.utf8.count == 64 && isValidHex(id)
    }

    /// Lowercase hex digits only.
    static func isValidHex(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
