/// Compressible binaries as compilers write them, for the classification and chunking tests:
/// machine code with NUL-padded immediates, symbol tables, bit-packed records. Generated
/// from a seed, so they are any size and the same on every run.
public enum CompressibleBinarySamples {
    /// An ELF shared library: the ELF header, then code (a small vocabulary of x86-64
    /// instructions with random small operands, as a compiler emits them), a NUL-padded
    /// table of symbol entries and a string table of symbol names, repeated to `size`.
    public static func elfLibrary(size: Int, _ generator: inout SeededGenerator) -> [UInt8] {
        var bytes: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 8)
            + [3, 0, 0x3E, 0, 1, 0, 0, 0] + [UInt8](repeating: 0, count: 40)
        let instructions: [[UInt8]] = [
            [0x55], [0x48, 0x89, 0xE5], [0x48, 0x8B, 0x45, 0xF8], [0x48, 0x89, 0x7D, 0xF8], [0xC3], [0x5D],
            [0x0F, 0x1F, 0x44, 0x00, 0x00], [0x48, 0x83, 0xEC, 0x10], [0x31, 0xC0], [0x48, 0x8D, 0x3D],
        ]
        let symbols = ["swift_retain", "swift_release", "$s10Foundation4DataV5countSivg", "malloc", "memcpy",
                       "$sSS5countSivg", "pthread_mutex_lock", "_ZNSt6vectorIiSaIiEE9push_backERKi"]
        while bytes.count < size {
            for _ in 0..<2_000 {
                if generator.next() % 5 == 0 {
                    bytes += [0xE8] + withUnsafeBytes(of: UInt32(generator.next() % 4096).littleEndian, Array.init)
                } else {
                    bytes += instructions[Int(generator.next() % UInt64(instructions.count))]
                }
            }
            for _ in 0..<200 {  // Elf64_Sym: name offset, info, other, section, value, size
                bytes += withUnsafeBytes(of: UInt32(generator.next() % 65_536).littleEndian, Array.init) + [0x12, 0, 0x0C, 0]
                bytes += withUnsafeBytes(of: UInt64(0x4000 + generator.next() % 0x100000).littleEndian, Array.init)
                bytes += withUnsafeBytes(of: UInt64(generator.next() % 512).littleEndian, Array.init)
            }
            for _ in 0..<200 { bytes += Array(symbols[Int(generator.next() % UInt64(symbols.count))].utf8) + [0] }
        }
        return Array(bytes.prefix(size))
    }

    /// A `.swiftmodule`: the LLVM bitstream magic a Swift module starts with, then records
    /// of 32-bit little-endian small integers (ids, offsets, flags: mostly NUL bytes) and
    /// the identifiers they name, repeated to `size`.
    public static func swiftModule(size: Int, _ generator: inout SeededGenerator) -> [UInt8] {
        var bytes: [UInt8] = [0xE2, 0x9C, 0xA8, 0x0E, 0x01, 0x00, 0x00, 0x00]
        let identifiers = ["Repository", "ContentClass", "init(sample:compressor:)", "chunking(for:)", "Sendable",
                           "UnsafeRawBufferPointer", "BlobCompressor", "Swift", "Foundation", "Hashable"]
        while bytes.count < size {
            let fields = 2 + Int(generator.next() % 6)
            bytes += withUnsafeBytes(of: UInt32(fields).littleEndian, Array.init)
            for _ in 0..<fields { bytes += withUnsafeBytes(of: UInt32(generator.next() % 2_000).littleEndian, Array.init) }
            if generator.next() % 3 == 0 { bytes += Array(identifiers[Int(generator.next() % UInt64(identifiers.count))].utf8) + [0] }
        }
        return Array(bytes.prefix(size))
    }
}
