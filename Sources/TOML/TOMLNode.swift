/// A value together with where it was written, so that whoever interprets it later
/// (a job-file decoder, say) can point at the exact place of a mistake.
public struct TOMLNode: Sendable, Equatable {
    public let value: TOMLValue
    /// Where the value starts; for a table defined by a header, where the header starts.
    public let position: TOMLPosition
    /// Where the key naming this value starts (the last part of a dotted key or header).
    /// Array elements have no key: for them this equals `position`.
    public let keyPosition: TOMLPosition

    public init(value: TOMLValue, position: TOMLPosition, keyPosition: TOMLPosition) {
        self.value = value
        self.position = position
        self.keyPosition = keyPosition
    }

    /// An array element, which has no key of its own.
    public init(element value: TOMLValue, at position: TOMLPosition) {
        self.init(value: value, position: position, keyPosition: position)
    }
}
