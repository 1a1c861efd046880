/// A path as the kernel sees it: bytes, not text.
///
/// A Linux file name is any bytes but `/` and NUL; it need not be UTF-8 and a backup must
/// restore it exactly. So names stay `[UInt8]` and paths stay `FilePath` from `readdir` to
/// the tree blob and back, and turn into text only to be shown: `description` for people,
/// `string` where text is needed and the path is valid UTF-8. A `FilePath` names no file if
/// its bytes contain NUL; system calls on such a path fail with EINVAL.
public struct FilePath: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    static let separator = UInt8(ascii: "/")

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ string: String) {
        self.init(bytes: Array(string.utf8))
    }

    /// The path as text, or nil when it is not valid UTF-8 (text could not say it exactly).
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    /// The last component (the entry's name), ignoring trailing slashes; empty for `/`.
    public var name: [UInt8] {
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == FilePath.separator { end -= 1 }
        let start = bytes[..<end].lastIndex(of: FilePath.separator).map { $0 + 1 } ?? bytes.startIndex
        return Array(bytes[start..<end])
    }

    /// The path of the entry `name` in this directory. Joins with exactly one `/`, and a child
    /// of `.` is just its name, so that a walk of `.` yields the paths people type (`src/x`,
    /// not `./src/x`) and exclude patterns see them that way too.
    public func appending(_ name: [UInt8]) -> FilePath {
        if bytes.isEmpty || bytes == [UInt8(ascii: ".")] { return FilePath(bytes: name) }
        if bytes.last == FilePath.separator { return FilePath(bytes: bytes + name) }
        return FilePath(bytes: bytes + [FilePath.separator] + name)
    }

    /// The path for messages: as it is when it is UTF-8 without control characters, otherwise
    /// with each invalid byte and control character written `\xNN`, so that a name with a
    /// newline or a stray Latin-1 byte still makes one readable line. Not meant to be parsed.
    public var description: String { FilePath.display(bytes) }

    /// `bytes` (a path or a single name) as `description` shows them: as they are when
    /// they are valid UTF-8 without control characters or backslashes; otherwise quoted,
    /// with `\\` for a backslash, `\"` for a quote, `\t`, `\n`, `\r` and `\xhh` (two
    /// lowercase hex digits) for other control characters and for each byte that is not
    /// UTF-8. A quoted name always holds a backslash and a plain one never does, so
    /// distinct names are never shown the same (a name CR is `"\r"`, a name `\x0D` is
    /// `"\\x0D"`).
    public static func display(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self),
           !text.unicodeScalars.contains(where: { isControl($0) || $0 == "\\" }) {
            return text
        }
        var shown = "\""
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var position = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                switch scalar {
                case "\\": shown += "\\\\"
                case "\"": shown += "\\\""
                case "\t": shown += "\\t"
                case "\n": shown += "\\n"
                case "\r": shown += "\\r"
                default:
                    if isControl(scalar) { shown += escaped(UInt8(scalar.value)) } else { shown.unicodeScalars.append(scalar) }
                }
                position += encoded.count
            case .error(let length):
                for byte in bytes[position..<position + length] { shown += escaped(byte) }
                position += length
            case .emptyInput:
                return shown + "\""
            }
        }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    private static func escaped(_ byte: UInt8) -> String {
        "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
    }
}

