/// The parsed header of a chunk frame.
///
/// Frame layout (on disk, inside the encrypted blob):
///
///     none:  [0x00] [bytes ...]
///     zlib:  [0x01] [uncompressed length, LEB128] [raw deflate stream ...]
///     zstd:  [0x02] [uncompressed length, LEB128] [one zstd frame ...]
///
/// Compressed codecs declare the uncompressed length so the reader can size its output
/// before decoding and can reject a payload that decodes to anything else. Parsing
/// checks every claim that can be checked without decoding, so that sizing a buffer
/// from a hostile frame can never cost more than `maximumDecodedSize` bytes.
struct FrameHeader: Sendable, Equatable {
    var codec: CodecID
    /// Bytes the frame decodes to.
    var decodedSize: Int
    /// Offset of the payload within the frame.
    var payloadOffset: Int

    /// Raw deflate cannot expand by more than 1032:1 (a 258-byte match costs at least
    /// one bit for its length code and one for its distance code), so a declared length
    /// beyond this many bytes per payload byte is a lie, caught before allocating.
    static let maximumDeflateExpansion = 1032
    /// A zstd block decodes to at most 128 KiB, and the cheapest one (an RLE block: a
    /// 3-byte header and the byte) takes 4 bytes, so no zstd frame expands beyond 32768:1.
    static let maximumZstdExpansion = 32768

    static func parse(_ frame: UnsafeRawBufferPointer, maximumDecodedSize: Int) throws(CodecError) -> FrameHeader {
        guard let first = frame.first else { throw .truncatedFrame }
        guard let codec = CodecID(rawValue: first) else { throw .unknownCodec(first) }

        switch codec {
        case .none:
            let size = frame.count - 1
            guard size <= maximumDecodedSize else {
                throw .declaredSizeExceedsLimit(declared: UInt64(size), limit: maximumDecodedSize)
            }
            return FrameHeader(codec: codec, decodedSize: size, payloadOffset: 1)

        case .zlib:
            return try parseCompressed(frame, codec: codec, maximumExpansion: Self.maximumDeflateExpansion,
                                       maximumDecodedSize: maximumDecodedSize)
        case .zstd:
            return try parseCompressed(frame, codec: codec, maximumExpansion: Self.maximumZstdExpansion,
                                       maximumDecodedSize: maximumDecodedSize)
        }
    }

    /// The header of a compressed codec: id, varint length, payload of at least one byte
    /// that cannot expand by more than `maximumExpansion`.
    private static func parseCompressed(_ frame: UnsafeRawBufferPointer, codec: CodecID, maximumExpansion: Int,
                                        maximumDecodedSize: Int) throws(CodecError) -> FrameHeader {
        let (declared, lengthSize) = try LEB128.read(from: frame, at: 1)
        guard declared <= UInt64(maximumDecodedSize) else {
            throw .declaredSizeExceedsLimit(declared: declared, limit: maximumDecodedSize)
        }
        let payloadOffset = 1 + lengthSize
        let payloadSize = frame.count - payloadOffset
        guard payloadSize > 0 else { throw .truncatedFrame }
        let (bound, overflow) = payloadSize.multipliedReportingOverflow(by: maximumExpansion)
        guard overflow || declared <= UInt64(bound) else { throw .corruptData }
        return FrameHeader(codec: codec, decodedSize: Int(declared), payloadOffset: payloadOffset)
    }
}
