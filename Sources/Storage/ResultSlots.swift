import Synchronization

/// One result per index, filled by concurrent workers (the parts of an S3 upload, the
/// packs a check reads); `values` gives those set, in index order.
public final class ResultSlots<Value: Sendable>: Sendable {
    private let slots: Mutex<[Value?]>

    public init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    public func set(_ index: Int, _ value: Value) { slots.withLock { $0[index] = value } }

    public var values: [Value] { slots.withLock { $0.compactMap { $0 } } }
}
