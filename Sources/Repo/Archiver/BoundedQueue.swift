import Foundation

/// A blocking first-in first-out queue of bounded capacity: producers wait when it is
/// full, so a fast stage can never run ahead of a slow one by more than `capacity` items
/// (which is what bounds the pipeline's memory).
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Popped slots are set to nil at once, so the queue never keeps an item alive (an item
    /// may own a buffer that must go back to its pool).
    private var items: [Element?] = []
    private var head = 0
    private let capacity: Int
    private var closed = false

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Waits for room, then appends. Returns false if the queue was closed.
    @discardableResult
    func push(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !closed { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Waits for an item; nil once the queue is closed and drained.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        items[head] = nil
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// No more items will come; consumers drain what is left, producers stop.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
