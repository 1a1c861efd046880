import Crypto

extension BlobSink {
    /// Blobs of one type handed to the sink together, back to back in one buffer that the
    /// job owns. Chunks of text are a few KiB and cost a worker tens of microseconds; a
    /// lock or a wake-up for each would cost as much, so the reader hands them over in
    /// batches of about `Job.targetBytes`.
    ///
    /// Either every blob is named (`ids`), or none is and all belong to one file whose
    /// reader waits for their names in `pending`, at slots `firstSlot...`.
    struct Job {
        let type: BlobType
        let pending: PendingChunkIDs?
        let firstSlot: Int
        /// The bytes at which the batch is handed over: `targetBytes`, or the segments'
        /// maximum where it is larger (a batch's chunks are what one segment can hold).
        var target = Job.targetBytes
        private(set) var ids: [Digest256] = []
        private(set) var bytes: [UInt8] = []
        private var ends: [Int] = []

        /// A batch is handed over once it holds this much.
        static let targetBytes = 256 << 10

        /// An empty batch of named blobs.
        init(type: BlobType) {
            self.type = type
            pending = nil
            firstSlot = 0
        }

        /// An empty batch of blobs the workers name, into `pending` from `firstSlot`.
        init(type: BlobType, pending: PendingChunkIDs, firstSlot: Int) {
            self.type = type
            self.pending = pending
            self.firstSlot = firstSlot
        }

        /// One named blob.
        init(id: Digest256, type: BlobType, plaintext: [UInt8]) {
            self.init(type: type)
            ids = [id]
            bytes = plaintext
            ends = [plaintext.count]
        }

        var count: Int { ends.count }
        var byteCount: Int { bytes.count }
        var isEmpty: Bool { ends.isEmpty }
        var isFull: Bool { bytes.count >= target }

        /// Takes `buffer` (emptied, its capacity kept) to hold the blobs, when the batch holds
        /// none yet: batches of a megabyte, each in fresh pages, cost more in page faults than
        /// the workers spend compressing them.
        mutating func reuse(_ buffer: consuming [UInt8]) {
            guard bytes.isEmpty, buffer.capacity > bytes.capacity else { return }
            // Moved, not copied: a second reference would make the first append allocate anew.
            bytes = consume buffer
            bytes.removeAll(keepingCapacity: true)
        }

        /// Hands the batch's buffer over for reuse, emptied with its capacity kept; the batch
        /// is empty afterwards.
        mutating func takeBuffer() -> [UInt8] {
            var taken: [UInt8] = []
            swap(&taken, &bytes)
            (ends, ids) = ([], [])
            taken.removeAll(keepingCapacity: true)
            return taken
        }

        /// Adds a blob; `id` must be given exactly when the batch is not pending.
        mutating func append(_ plaintext: UnsafeRawBufferPointer, id: Digest256? = nil) {
            precondition((id == nil) == (pending != nil), "a batch holds named or pending blobs, not both")
            // Room for the chunk that fills the batch too (text chunks end by 64 KiB, and a
            // larger one comes alone): growing a batch copies it into fresh pages.
            if bytes.isEmpty { bytes.reserveCapacity(target + max(plaintext.count, 1 << 16)) }
            bytes.append(contentsOf: plaintext)
            ends.append(bytes.count)
            if let id { ids.append(id) }
        }

        /// The plaintext length of the blob at `index`.
        func length(of index: Int) -> Int { ends[index] - (index == 0 ? 0 : ends[index - 1]) }

        /// Calls `body` with runs of consecutive blobs that `keep` picks, each run at most
        /// `maximum` bytes (unless one blob is larger): the positions of its blobs and their
        /// plaintexts back to back, as the batch holds them. The snapshot's segments.
        func withRuns(keeping keep: (Int) -> Bool, maximum: Int,
                      _ body: (Range<Int>, UnsafeRawBufferPointer) throws -> Void) rethrows {
            try bytes.withUnsafeBytes { all in
                var first = 0
                func start(_ index: Int) -> Int { index == 0 ? 0 : ends[index - 1] }
                func emit(_ end: Int) throws {
                    guard first < end else { return }
                    try body(first..<end, UnsafeRawBufferPointer(rebasing: all[start(first)..<ends[end - 1]]))
                }
                for index in ends.indices {
                    if !keep(index) {
                        try emit(index)
                        first = index + 1
                    } else if index > first && ends[index] - start(first) > maximum {
                        try emit(index)
                        first = index
                    }
                }
                try emit(ends.count)
            }
        }

        /// Calls `body` with each blob's position in the batch and plaintext, in order.
        func withBlobs(_ body: (Int, UnsafeRawBufferPointer) throws -> Void) rethrows {
            try bytes.withUnsafeBytes { all in
                var start = 0
                for (index, end) in ends.enumerated() {
                    try body(index, UnsafeRawBufferPointer(rebasing: all[start..<end]))
                    start = end
                }
            }
        }
    }
}
