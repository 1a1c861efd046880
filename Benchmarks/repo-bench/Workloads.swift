/// The three kinds of data every stage is measured on: what a backup meets in media
/// (random, incompressible), in dumps and source (text-like) and in sparse or
/// preallocated files (zeros).
enum DataKind: String, CaseIterable {
    case random, text, zero

    /// `byteCount` bytes of this kind, the same on every run.
    func make(byteCount: Int) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 4096)
        switch self {
        case .zero:
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
        case .random:
            var state: UInt64 = 0x1234_5678
            let words = buffer.bindMemory(to: UInt64.self)
            for i in words.indices {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                words[i] = state ^ (state >> 29)
            }
        case .text:
            fillWithSQLLikeText(buffer)
        }
        return buffer
    }

    /// Lines like those of a pg_dump: INSERTs with names, e-mails, dates and numbers.
    private func fillWithSQLLikeText(_ buffer: UnsafeMutableRawBufferPointer) {
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
                     "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo"]
        var state: UInt64 = 42
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var offset = 0
        var id = 1
        while offset < buffer.count {
            let first = words[next() % words.count], last = words[next() % words.count]
            let line = "INSERT INTO public.users VALUES (\(id), '\(first) \(last)', '\(first).\(last)\(next() % 1000)@example.com', "
                + "'2024-0\(1 + next() % 9)-1\(next() % 10) 1\(next() % 10):\(10 + next() % 50):00', \(next() % 100_000), 't');\n"
            id += 1
            for byte in line.utf8 where offset < buffer.count {
                buffer[offset] = byte
                offset += 1
            }
        }
    }
}
