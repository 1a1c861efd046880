import Foundation

/// A blocking first-in first-out queue of bounded capacity: producers wait when it is
/// full, so a fast stage can never run ahead of a slow one by more than `capacity` (which
/// is what bounds the pipeline's memory). Capacity counts items, or what `weight` says
/// each costs (bytes); an item heavier than the whole capacity still enters an empty queue.
///
/// Wake-ups are what such a queue costs: on this class of machine a futex wake is tens of
/// microseconds, against a chunk's few hundred of work. So a thread is woken only when
/// one waits, consumers one at a time, and a producer that found the queue full sleeps
/// until it has drained to half, not until the first free slot.
// @unchecked: producers and consumers wait on pthread conditions (a Mutex cannot wait).
public final class BoundedQueue<Element>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let drained = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Popped slots are set to nil at once, so the queue never keeps an item alive (an item
    /// may own a buffer that must go back to its pool).
    private var items: [Element?] = []
    private var head = 0
    private let capacity: Int
    private let weight: (Element) -> Int
    private var load = 0
    private var closed = false
    private var waitingConsumers = 0
    private var waitingProducers = 0

    public init(capacity: Int, weight: @escaping (Element) -> Int = { _ in 1 }) {
        self.capacity = max(1, capacity)
        self.weight = weight
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(drained, nil)
    }

    deinit {
        pthread_cond_destroy(drained)
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(mutex)
        drained.deallocate()
        notEmpty.deallocate()
        mutex.deallocate()
    }

    private var count: Int { items.count - head }

    /// Waits for room, then appends. Returns false if the queue was closed.
    @discardableResult
    public func push(_ item: Element) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if load >= capacity && !closed {
            waitingProducers += 1
            while load > capacity / 2 && !closed { pthread_cond_wait(drained, mutex) }
            waitingProducers -= 1
        }
        guard !closed else { return false }
        items.append(item)
        load += weight(item)
        if waitingConsumers > 0 { pthread_cond_signal(notEmpty) }
        return true
    }

    /// Waits for an item; nil once the queue is closed and drained.
    public func pop() -> Element? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while count == 0 && !closed {
            waitingConsumers += 1
            pthread_cond_wait(notEmpty, mutex)
            waitingConsumers -= 1
        }
        guard count > 0 else { return nil }
        let item = items[head]
        items[head] = nil
        if let item { load -= weight(item) }
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        if waitingProducers > 0 && load <= capacity / 2 { pthread_cond_broadcast(drained) }
        return item
    }

    /// No more items will come; consumers drain what is left, producers stop.
    public func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(notEmpty)
        pthread_cond_broadcast(drained)
        pthread_mutex_unlock(mutex)
    }
}
