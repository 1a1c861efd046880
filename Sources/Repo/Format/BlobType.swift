import Storage

/// What a blob holds. The raw values are part of the format (pack headers, associated data).
public enum BlobType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// A chunk of file content.
    case data = 0
    /// One serialized directory.
    case tree = 1

    /// Data and tree blobs never share a pack; each kind of pack has its own prefix.
    var packKind: ObjectKind { self == .data ? .dataPack : .treePack }

    public var description: String { self == .data ? "data" : "tree" }
}
