import Foundation
import Synchronization
import Testing
import Workers

@Suite struct BoundedQueueTests {
    @Test func itemsComeOutInOrderAndCloseDrainsWhatIsLeft() {
        let queue = BoundedQueue<Int>(capacity: 10)
        for number in 0..<5 { #expect(queue.push(number)) }
        queue.close()
        #expect(!queue.push(5))
        var popped: [Int] = []
        while let number = queue.pop() { popped.append(number) }
        #expect(popped == Array(0..<5))
        #expect(queue.pop() == nil)
    }

    @Test func producersNeverRunAheadOfTheCapacity() {
        // Weighted: each item costs its value; the capacity is 100.
        let queue = BoundedQueue<Int>(capacity: 100, weight: { $0 })
        let inQueue = Atomic<Int>(0)
        let mostInQueue = Atomic<Int>(0)
        let producer = Thread {
            for _ in 0..<200 {
                // Counted before the push: the consumer may pop it at once.
                let now = inQueue.add(10, ordering: .sequentiallyConsistent).newValue
                mostInQueue.max(now, ordering: .relaxed)
                queue.push(10)
            }
            queue.close()
        }
        producer.start()
        var total = 0
        while let item = queue.pop() {
            inQueue.subtract(item, ordering: .sequentiallyConsistent)
            total += item
        }
        #expect(total == 2000)
        // At most the capacity queued, plus the item the producer is about to push and the
        // one the consumer popped but has not subtracted yet.
        #expect(mostInQueue.load(ordering: .relaxed) <= 120)
    }

    @Test func anItemHeavierThanTheCapacityStillEntersAnEmptyQueue() {
        let queue = BoundedQueue<Int>(capacity: 4, weight: { $0 })
        #expect(queue.push(1000))
        #expect(queue.pop() == 1000)
        queue.close()
        #expect(queue.pop() == nil)
    }
}
