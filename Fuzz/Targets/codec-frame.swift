// Fuzz target `codec-frame`: a chunk frame as it is after decryption (codec id, declared
// length, payload), through FrameHeader and BlobDecompressor.
// Bound: nothing allocated beyond the decoder's own `maximumDecodedSize` (64 MiB by
// default): a frame claiming more, or more than its payload can expand to, is refused
// before any buffer is sized (decompression bombs).
@testable import Codec

private let decompressor = BlobDecompressor()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let frame = UnsafeRawBufferPointer(start: data, count: size)
    guard let declared = try? BlobDecompressor.decodedSize(of: frame) else { return 0 }
    precondition(declared <= decompressor.maximumDecodedSize, "declared size above the bound")
    // Into a buffer of exactly the declared size, and into a new array: the same outcome.
    let out = UnsafeMutableRawBufferPointer.allocate(byteCount: max(declared, 1), alignment: 1)
    defer { out.deallocate() }
    let intoBuffer = Result { () throws(CodecError) in
        try decompressor.decode(frame, into: UnsafeMutableRawBufferPointer(rebasing: out[..<declared]))
    }
    let intoArray = Result { () throws(CodecError) in try decompressor.decode(frame) }
    switch (intoBuffer, intoArray) {
    case (.success(let count), .success(let array)):
        precondition(count == declared && array.count == declared, "decoded length differs from the declared one")
        precondition(array.elementsEqual(UnsafeRawBufferPointer(rebasing: out[..<count])), "two decodings differ")
    case (.failure, .failure):
        break
    default:
        preconditionFailure("decoding into a buffer and into an array disagree")
    }
    return 0
}
