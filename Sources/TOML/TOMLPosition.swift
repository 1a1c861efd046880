/// A place in a TOML text, counted the way a person reads it in an editor.
///
/// Columns count `Character`s rather than bytes or scalars, so an error under an accented
/// key points at the column the user sees.
public struct TOMLPosition: Sendable, Equatable, CustomStringConvertible {
    /// 1-based.
    public let line: Int
    /// 1-based, in `Character`s from the start of the line.
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// Where the root table "starts": a file's first character.
    public static let start = TOMLPosition(line: 1, column: 1)

    public var description: String { "\(line):\(column)" }
}
