import Codec
import TestSupport

/// Deterministic test inputs: the kinds of content a backup sees, reproducible from a seed.
enum DataKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case zeros, random, sql, source, mixed

    var description: String { rawValue }

    func bytes(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        switch self {
        case .zeros: [UInt8](repeating: 0, count: count)
        case .random: TestData.random(count, seed: seed)
        case .sql: TestData.sql(count, seed: seed)
        case .source: TestData.source(count, seed: seed)
        case .mixed: TestData.random(count / 2, seed: seed) + TestData.sql(count - count / 2, seed: seed)
        }
    }
}

enum TestData {
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset + 8 <= count {
                buffer.storeBytes(of: generator.next(), toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < count {
                buffer[offset] = UInt8(truncatingIfNeeded: generator.next())
                offset += 1
            }
        }
        return bytes
    }

    static let words = ["alpha", "beta", "gamma", "customer", "order", "invoice", "payment", "shipped",
                        "pending", "returned", "Berlin", "Paris", "London", "Madrid", "Rome", "Vienna",
                        "Smith", "Jones", "Miller", "Garcia", "Martin", "express", "standard", "priority",
                        "warehouse", "north", "south", "premium", "basic", "refund", "credit", "debit"]

    /// Text shaped like a SQL dump: repetitive keywords, varied values.
    static func sql(_ count: Int, seed: UInt64) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        func word() -> String { words[Int(g.next() % UInt64(words.count))] }
        func number(_ below: UInt64) -> UInt64 { g.next() % below }
        var text = [UInt8]()
        text.reserveCapacity(count + 300)
        while text.count < count {
            let line = "INSERT INTO orders (id, customer, city, status, amount, note) VALUES ("
                + "\(number(10_000_000)), '\(word()) \(word())', '\(word())', '\(word())', "
                + "\(number(100_000)).\(number(100)), '\(word()) \(word()) \(word())');\n"
            text.append(contentsOf: line.utf8)
        }
        return Array(text.prefix(count))
    }

    /// Text shaped like source code: indentation, keywords, identifiers.
    static func source(_ count: Int, seed: UInt64) -> [UInt8] {
        var g = SeededGenerator(seed: seed)
        let keywords = ["let", "var", "func", "return", "if", "guard", "for", "while", "switch", "struct", "try"]
        func pick(_ list: [String]) -> String { list[Int(g.next() % UInt64(list.count))] }
        var text = [UInt8]()
        text.reserveCapacity(count + 300)
        while text.count < count {
            let indent = String(repeating: "    ", count: Int(g.next() % 4))
            let line = "\(indent)\(pick(keywords)) \(pick(words))\(pick(words).uppercased())(value: \(g.next() % 1000)) // \(pick(words))\n"
            text.append(contentsOf: line.utf8)
        }
        return Array(text.prefix(count))
    }
}

extension Array where Element == UInt8 {
    /// A frame with its codec id replaced or its header rewritten, for corruption tests.
    static func zlibFrame(declaring length: UInt64, payload: some Collection<UInt8>) -> [UInt8] {
        compressedFrame(.zlib, declaring: length, payload: payload)
    }

    /// A frame of a compressed codec with any header and payload.
    static func compressedFrame(_ codec: CodecID, declaring length: UInt64, payload: some Collection<UInt8>) -> [UInt8] {
        var frame: [UInt8] = [codec.rawValue]
        var rest = length
        while rest >= 0x80 {
            frame.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        frame.append(UInt8(rest))
        return frame + payload
    }
}
