/// A field of a JSON document that is `null` when absent, where a plain optional field is
/// left out: for the documents whose fields are always present (the webhook payload, and
/// `repo`'s `--json` messages).
@propertyWrapper
public struct Nullable<Value: Encodable>: Encodable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
