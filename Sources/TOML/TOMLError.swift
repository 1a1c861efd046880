/// Why a TOML document or one of its values was rejected, and where.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file name as given to the parser; only used to label messages.
    public let file: String
    public let position: TOMLPosition
    /// Says what was expected and what was found, without the location.
    public let message: String

    public init(file: String, position: TOMLPosition, message: String) {
        self.file = file
        self.position = position
        self.message = message
    }

    /// "FILE:LINE:COLUMN: MESSAGE", the form editors and terminals turn into a link.
    public var description: String { "\(file):\(position.line):\(position.column): \(message)" }
}
