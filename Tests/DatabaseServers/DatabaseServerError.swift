/// Why a test database server could not start or answer.
public struct DatabaseServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
