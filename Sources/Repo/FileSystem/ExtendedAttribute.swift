/// One extended attribute: a name such as `user.comment` or `security.capability` and its
/// value, which is arbitrary bytes.
///
/// The kernel allows any bytes but NUL in a name, so the name is kept as bytes like file names
/// are (see `FilePath`), and `name` shows it as text.
public struct ExtendedAttribute: Sendable, Hashable {
    /// The name exactly as the kernel gave it, without a terminating NUL.
    public var nameBytes: [UInt8]
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.init(nameBytes: Array(name.utf8), value: value)
    }

    public init(nameBytes: [UInt8], value: [UInt8]) {
        self.nameBytes = nameBytes
        self.value = value
    }

    /// The name as text; lossless whenever the name is UTF-8, which in practice it always is.
    public var name: String { String(decoding: nameBytes, as: UTF8.self) }
}
