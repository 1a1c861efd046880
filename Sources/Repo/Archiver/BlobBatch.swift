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
        private(set) var ids: [Digest256] = []
        private(set) var bytes: [UInt8] = []
        private var ends: [Int] = []

        /// A batch is handed over once it holds this much.
        static let targetBytes = 256 << 10

        /// An empty batch of named blobs, filled into `buffer` (an empty one, from
        /// `JobBuffers`, whose capacity is reused).
        init(type: BlobType, buffer: [UInt8] = []) {
            self.type = type
            pending = nil
            firstSlot = 0
            bytes = buffer
        }

        /// An empty batch of blobs the workers name, into `pending` from `firstSlot`.
        init(type: BlobType, pending: PendingChunkIDs, firstSlot: Int, buffer: [UInt8] = []) {
            self.type = type
            self.pending = pending
            self.firstSlot = firstSlot
            bytes = buffer
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
        var isFull: Bool { bytes.count >= Self.targetBytes }

        /// Adds a blob; `id` must be given exactly when the batch is not pending.
        mutating func append(_ plaintext: UnsafeRawBufferPointer, id: Digest256? = nil) {
            precondition((id == nil) == (pending != nil), "a batch holds named or pending blobs, not both")
            if bytes.isEmpty { bytes.reserveCapacity(Self.targetBytes + plaintext.count) }
            bytes.append(contentsOf: plaintext)
            ends.append(bytes.count)
            if let id { ids.append(id) }
        }

        /// Takes the buffer out of the batch (which is empty afterwards) to be reused.
        mutating func takeBuffer() -> [UInt8] {
            ends = []
            ids = []
            var buffer: [UInt8] = []
            swap(&buffer, &bytes)
            return buffer
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
