import Synchronization

extension BlobSink {
    /// The byte buffers of jobs the workers are done with, handed to the next jobs.
    ///
    /// A job's buffer holds about 256 KiB of small chunks or one large chunk (up to 4 MiB
    /// of media); a fresh one for each job meant a large allocation per chunk, which the C
    /// library serves from new pages that the kernel faults in and zeroes one by one
    /// (measured on 2 GB of media: 320,000 page faults, as many pages as the data).
    /// Reused, a buffer keeps its pages, and grows only to the largest job it carried.
    ///
    /// Holds no more than the jobs in flight at once (the queue's bytes, one per worker, the
    /// one being filled), capped at `limit`.
    final class JobBuffers: Sendable {
        private let free = Mutex<[[UInt8]]>([])
        /// At most this many idle buffers are kept: the queue's 4 MiB as 256 KiB batches,
        /// plus the workers'.
        static let limit = 24

        /// An empty buffer, with the capacity of a job it carried before if there is one.
        func take() -> [UInt8] { free.withLock { $0.popLast() } ?? [] }

        /// Keeps `buffer`'s storage for a later job; its bytes are dropped. Buffers smaller
        /// than a batch (a tree's bytes) are not worth keeping: a job would grow them.
        func give(_ buffer: consuming [UInt8]) {
            var buffer = buffer
            guard buffer.capacity >= Job.targetBytes else { return }
            buffer.removeAll(keepingCapacity: true)
            free.withLock { free in
                if free.count < Self.limit { free.append(buffer) }
            }
        }

        /// How many idle buffers are kept (tests).
        var idleCount: Int { free.withLock { $0.count } }
    }
}
