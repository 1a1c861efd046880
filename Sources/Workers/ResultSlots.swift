import Synchronization

/// One result per index, filled by the threads of a `WorkerPool` (the packs a check reads,
/// the values of `map`); `values` gives those set, in index order.
public final class ResultSlots<Value: Sendable>: Sendable {
    private let slots: Mutex<[Value?]>

    public init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    public func set(_ index: Int, _ value: Value) { slots.withLock { $0[index] = value } }

    public var values: [Value] { slots.withLock { $0.compactMap { $0 } } }

    /// How many are set.
    public var count: Int { slots.withLock { $0.count { $0 != nil } } }
}
