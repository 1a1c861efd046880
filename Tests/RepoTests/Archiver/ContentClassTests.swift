import Codec
@testable import Repo
import TestSupport
import Testing

/// `ContentClass(sample:compressor:)`: compressible binaries (NUL bytes) apart from text,
/// and dumps apart by how much their start compresses.
@Suite struct ContentClassTests {
    static func contentClass(_ bytes: [UInt8]) -> ContentClass {
        Array(bytes.prefix(ContentClass.sampleSize)).withUnsafeBytes { ContentClass(sample: $0, compressor: BlobCompressor()) }
    }

    /// How many times the compressor shrinks the sample of `bytes`.
    static func ratio(_ bytes: [UInt8]) -> Double {
        let sample = Array(bytes.prefix(ContentClass.sampleSize))
        return Double(sample.count) / Double(sample.withUnsafeBytes { BlobCompressor().encode($0).count })
    }

    @Test func anELFLibraryIsACompressibleBinary() {
        var generator = SeededGenerator(seed: 1)
        let library = CompressibleBinarySamples.elfLibrary(size: 256 << 10, &generator)
        #expect(Self.ratio(library) > 1.3, "the sample compresses")
        #expect(Self.contentClass(library) == .compressibleBinary)
    }

    @Test func aSwiftModuleIsACompressibleBinary() {
        var generator = SeededGenerator(seed: 2)
        let module = CompressibleBinarySamples.swiftModule(size: 256 << 10, &generator)
        #expect(Self.ratio(module) > 1.3, "the sample compresses")
        #expect(Self.contentClass(module) == .compressibleBinary)
    }

    @Test func textWithoutNULBytesStaysText() {
        var generator = SeededGenerator(seed: 3)
        #expect(Self.contentClass(Array(DumpSamples.swiftSource(lines: 3000).utf8)) == .text)
        #expect(Self.contentClass(Array(DumpSamples.accessLog(lines: 800, &generator).utf8)) == .text)
        #expect(Self.contentClass(Array(DumpSamples.json(objects: 1000, &generator).utf8)) == .text)
        // One NUL byte in the sample is enough to mark compressible data as binary.
        let source = Array(DumpSamples.swiftSource(lines: 3000).utf8)
        #expect(source.count > ContentClass.sampleSize)
        #expect(Self.contentClass(source + [0]) == .text, "past the sample")
        #expect(Self.contentClass([0] + source) == .compressibleBinary)
    }

    @Test func aHighlyCompressibleDumpIsRepetitive() {
        var generator = SeededGenerator(seed: 4)
        let dump = Array(DumpSamples.pgbenchDump(rows: 2000, &generator).utf8)
        #expect(dump.count > ContentClass.sampleSize)
        #expect(Self.ratio(dump) >= Double(ContentClass.repetitiveDumpRatio), "ratio \(Self.ratio(dump))")
        #expect(Self.contentClass(dump) == .repetitiveDump)
    }

    @Test func aWeaklyCompressibleDumpIsAnOrdinaryDump() {
        var generator = SeededGenerator(seed: 5)
        for dump in [DumpSamples.pgDump(rows: 800, &generator), DumpSamples.mysqlDump(rows: 800, &generator)].map({ Array($0.utf8) }) {
            #expect(Self.ratio(dump) < Double(ContentClass.repetitiveDumpRatio), "ratio \(Self.ratio(dump))")
            #expect(Self.contentClass(dump) == .dump)
        }
    }

    @Test func incompressibleDataStaysBinary() {
        var generator = SeededGenerator(seed: 6)
        #expect(Self.contentClass([0, 0, 0, 0] + generator.bytes(ContentClass.sampleSize)) == .binary)
    }
}
