import Crypto
import Foundation
@testable import Repo
import Testing

/// BinaryWriter and BinaryReader: the primitives of trees, pack headers and index objects.
@Suite struct BinaryCodingTests {
    /// One value of each kind the writer can append, so that sequences of them can be
    /// written, read back and compared.
    enum Field: Equatable {
        case byte(UInt8)
        case varint(UInt64)
        case uint32(UInt32)
        case int64(Int64)
        case string(String)
        case data([UInt8])
        case digest(Digest256)

        func write(to writer: inout BinaryWriter) {
            switch self {
            case .byte(let value): writer.append(value)
            case .varint(let value): writer.append(varint: value)
            case .uint32(let value): writer.append(uint32: value)
            case .int64(let value): writer.append(int64: value)
            case .string(let value): writer.append(string: value)
            case .data(let value): writer.append(data: value)
            case .digest(let value): writer.append(value)
            }
        }

        /// Reads a field of the same kind as `self`.
        func read(from reader: inout BinaryReader) throws(FormatError) -> Field {
            switch self {
            case .byte: return .byte(try reader.byte())
            case .varint: return .varint(try reader.varint())
            case .uint32: return .uint32(try reader.uint32())
            case .int64: return .int64(try reader.int64())
            case .string: return .string(try reader.string())
            case .data: return .data(try reader.data())
            case .digest: return .digest(try reader.digest())
            }
        }
    }

    static func encode(_ fields: [Field]) -> [UInt8] {
        var writer = BinaryWriter()
        for field in fields { field.write(to: &writer) }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], like fields: [Field]) throws(FormatError) -> [Field] {
        var reader = BinaryReader(bytes, context: "test object")
        var out = [Field]()
        for field in fields { out.append(try field.read(from: &reader)) }
        try reader.expectEnd()
        return out
    }

    static let sample: [Field] = {
        var generator = FormatFixtures.Generator(seed: 7)
        return [
            .byte(0), .byte(255),
            .varint(0), .varint(127), .varint(128), .varint(16_384), .varint(1 << 63), .varint(.max),
            .uint32(0), .uint32(0xDEAD_BEEF), .uint32(.max),
            .int64(0), .int64(-1), .int64(.min), .int64(.max), .int64(-1_234_567_890_123),
            .string(""), .string("hello"), .string("héllo wörld 🚀 \u{0}nul"),
            .data([]), .data([0, 1, 2, 0xFF]), .data(generator.bytes(300)),
            .digest(.zero), .digest(generator.digest()),
        ]
    }()

    @Test func varintsHaveTheirCanonicalEncodings() throws {
        let cases: [(UInt64, [UInt8])] = [
            (0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
            (16_383, [0xFF, 0x7F]), (16_384, [0x80, 0x80, 0x01]),
            (1 << 63, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            (.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        ]
        for (value, encoding) in cases {
            var writer = BinaryWriter()
            writer.append(varint: value)
            #expect(writer.bytes == encoding, "varint \(value)")
            var reader = BinaryReader(encoding, context: "varint")
            #expect(try reader.varint() == value)
            #expect(reader.isAtEnd)
        }
    }

    @Test func fixedWidthIntegersAreLittleEndian() throws {
        var writer = BinaryWriter()
        writer.append(uint32: 0x0102_0304)
        writer.append(int64: -2)
        #expect(writer.bytes == [0x04, 0x03, 0x02, 0x01, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        var reader = BinaryReader(writer.bytes, context: "ints")
        #expect(try reader.uint32() == 0x0102_0304)
        #expect(try reader.int64() == -2)
        try reader.expectEnd()
    }

    @Test func everyKindOfFieldRoundTrips() throws {
        let bytes = Self.encode(Self.sample)
        #expect(try Self.decode(bytes, like: Self.sample) == Self.sample)

        // Random values, many of each kind.
        var generator = FormatFixtures.Generator(seed: 11)
        var fields = [Field]()
        for _ in 0..<2_000 {
            switch generator.next() % 7 {
            case 0: fields.append(.byte(UInt8(truncatingIfNeeded: generator.next())))
            case 1: fields.append(.varint(generator.next() >> (generator.next() % 64)))
            case 2: fields.append(.uint32(UInt32(truncatingIfNeeded: generator.next())))
            case 3: fields.append(.int64(Int64(bitPattern: generator.next()) >> Int64(generator.next() % 64)))
            case 4: fields.append(.string(String(decoding: FormatFixtures.compressible(Int(generator.next() % 40), using: &generator), as: UTF8.self)))
            case 5: fields.append(.data(generator.bytes(Int(generator.next() % 70))))
            default: fields.append(.digest(generator.digest()))
            }
        }
        #expect(try Self.decode(Self.encode(fields), like: fields) == fields)
    }

    @Test func magicIsChecked() throws {
        var writer = BinaryWriter()
        writer.append(magic: "RTRE")
        var reader = BinaryReader(writer.bytes, context: "magic")
        try reader.expect(magic: "RTRE")
        #expect(reader.isAtEnd)
        for wrong in [Array("RTRF".utf8), Array("RTR".utf8), []] {
            var reader = BinaryReader(wrong, context: "magic")
            #expect(throws: FormatError.corrupt("magic", "not a RTRE object")) { try reader.expect(magic: "RTRE") }
        }
    }

    @Test func everyTruncationThrowsCorrupt() async {
        if await #expect(processExitsWith: .success, performing: {
            FormatFixtures.finishChild(Self.truncationFailures())
        }) == nil {
            FormatFixtures.recordChild(await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                FormatFixtures.finishChild(Self.truncationFailures())
            })
        }
    }

    static func truncationFailures() -> [String] {
        var failures = [String]()
        let bytes = encode(sample)
        for length in 0..<bytes.count {
            do throws(FormatError) {
                _ = try decode(Array(bytes[..<length]), like: sample)
                failures.append("a truncation to \(length) of \(bytes.count) bytes decoded")
            } catch {
                guard case .corrupt("test object", _) = error else {
                    failures.append("truncation to \(length): \(error)")
                    continue
                }
            }
        }
        // And one byte too many is refused as well.
        if (try? decode(bytes + [0], like: sample)) != nil { failures.append("a trailing byte went unnoticed") }
        return failures
    }

    /// A length prefix must be checked against the bytes that follow it, not against the
    /// bytes that were left before the prefix was read.
    @Test func byteStringOneByteShortIsCorrupt() async {
        if await #expect(processExitsWith: .success, performing: {
            FormatFixtures.finishChild(Self.shortByteStringFailures())
        }) == nil {
            FormatFixtures.recordChild(await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                FormatFixtures.finishChild(Self.shortByteStringFailures())
            })
        }
    }

    static func shortByteStringFailures() -> [String] {
        var failures = [String]()
        for length in [1, 2, 127, 128, 300] as [UInt64] {
            var writer = BinaryWriter()
            writer.append(varint: length)
            for _ in 0..<(length - 1) { writer.append(0x61) }
            for read in ["data", "string"] {
                var reader = BinaryReader(writer.bytes, context: "short")
                do throws(FormatError) {
                    _ = read == "data" ? try reader.data() : Array(try reader.string().utf8)
                    failures.append("\(read) of length \(length) with \(length - 1) bytes decoded")
                } catch {
                    guard case .corrupt("short", _) = error else { failures.append("\(error)"); continue }
                }
            }
        }
        return failures
    }

    @Test func oversizedCountsAndMalformedNumbersThrowCorrupt() throws {
        func reader(_ bytes: [UInt8]) -> BinaryReader { BinaryReader(bytes, context: "hostile") }

        // A byte string claiming more bytes than there are.
        var writer = BinaryWriter()
        writer.append(varint: 1_000)
        for byte in [1, 2, 3, 4, 5] as [UInt8] { writer.append(byte) }
        var r = reader(writer.bytes)
        #expect(throws: FormatError.self) { try r.data() }
        // A length of 2^64 - 1 must not turn into a huge allocation or an overflow.
        writer = BinaryWriter()
        writer.append(varint: UInt64.max)
        writer.append(data: [UInt8](repeating: 7, count: 10))
        r = reader(writer.bytes)
        #expect(throws: FormatError.self) { try r.data() }
        r = reader(writer.bytes)
        #expect(throws: FormatError.self) { try r.string() }
        r = reader(writer.bytes)
        #expect(throws: FormatError.self) { try r.count(atMost: Int.max) }
        // count(atMost:) is exact at its bound.
        writer = BinaryWriter()
        writer.append(varint: 10)
        writer.append(varint: 11)
        r = reader(writer.bytes)
        #expect(try r.count(atMost: 10) == 10)
        #expect(throws: FormatError.self) { try r.count(atMost: 10) }

        let malformed: [[UInt8]] = [
            [],  // nothing
            [0x80],  // continuation bit on the last byte
            [0xFF, 0xFF, 0xFF],
            [0x80, 0x00],  // non-shortest zero
            [0xFF, 0x00],  // non-shortest 127
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02],  // 65 bits
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x81, 0x00],  // 11 bytes
        ]
        for bytes in malformed {
            var r = reader(bytes)
            do throws(FormatError) {
                let value = try r.varint()
                Issue.record("\(bytes) read as \(value)")
            } catch {
                guard case .corrupt("hostile", _) = error else { Issue.record("\(bytes): \(error)"); continue }
                #expect(r.offset == 0, "a failed read does not move the reader")
            }
        }

        // Fixed-width reads and digests at the end.
        for length in 0..<32 {
            var r = reader([UInt8](repeating: 1, count: length))
            #expect(throws: FormatError.self) { try r.digest() }
        }
        r = reader([1, 2, 3])
        #expect(throws: FormatError.self) { try r.uint32() }
        r = reader([1, 2, 3, 4, 5, 6, 7])
        #expect(throws: FormatError.self) { try r.int64() }
        r = reader([])
        #expect(throws: FormatError.self) { try r.byte() }

        // A string that is not UTF-8.
        writer = BinaryWriter()
        writer.append(data: [0x61, 0xFF, 0xFE])
        r = reader(writer.bytes)
        #expect(throws: FormatError.corrupt("hostile", "string is not UTF-8")) { try r.string() }
        // ... which is fine as raw data.
        r = reader(writer.bytes)
        #expect(try r.data() == [0x61, 0xFF, 0xFE])

        // Trailing bytes.
        r = reader([0x01, 0x02])
        _ = try r.byte()
        #expect(throws: FormatError.corrupt("hostile", "1 unexpected trailing bytes")) { try r.expectEnd() }
    }

    /// 2,000 random byte arrays read with random sequences of operations: every failure is
    /// `FormatError.corrupt`, nothing crashes, and the reader never passes the end.
    @Test func randomInputNeverCrashes() async {
        if await #expect(processExitsWith: .success, performing: {
            FormatFixtures.finishChild(Self.fuzzFailures())
        }) == nil {
            FormatFixtures.recordChild(await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                FormatFixtures.finishChild(Self.fuzzFailures())
            })
        }
    }

    static func fuzzFailures() -> [String] {
        var generator = FormatFixtures.Generator(seed: 2_000)
        var failures = [String]()
        var thrown = 0, succeeded = 0
        for round in 0..<2_000 {
            let length = Int(generator.next() % 80)
            var bytes = generator.bytes(length)
            // Bias some inputs towards small varints so that reads get further.
            if round % 3 == 0 { bytes = bytes.map { $0 & 0x3F } }
            var reader = BinaryReader(bytes, context: "fuzz")
            for _ in 0..<24 {
                do throws(FormatError) {
                    switch generator.next() % 9 {
                    case 0: _ = try reader.byte()
                    case 1: _ = try reader.varint()
                    case 2: _ = try reader.uint32()
                    case 3: _ = try reader.int64()
                    case 4: _ = try reader.string()
                    case 5: _ = try reader.data()
                    case 6: _ = try reader.digest()
                    case 7: _ = try reader.count(atMost: Int(generator.next() % 100))
                    default: try reader.expectEnd()
                    }
                    succeeded += 1
                    if reader.offset > bytes.count { failures.append("round \(round): offset \(reader.offset) past \(bytes.count)") }
                } catch {
                    thrown += 1
                    guard case .corrupt("fuzz", _) = error else {
                        failures.append("round \(round): \(error)")
                        break
                    }
                }
            }
        }
        // Both outcomes must have been exercised for the fuzzing to mean anything.
        if thrown < 1_000 || succeeded < 1_000 { failures.append("only \(thrown) failures and \(succeeded) successes") }
        return failures
    }
}
