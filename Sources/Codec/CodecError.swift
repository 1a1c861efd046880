/// Why a frame could not be decoded.
///
/// Every way a corrupt or hostile frame can be wrong maps to one of these cases; the
/// decoder never traps on bad input and never writes outside the caller's buffer.
public enum CodecError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first byte names a codec this version does not know: the chunk was written
    /// by a newer repository format (or the frame is not a frame at all).
    case unknownCodec(UInt8)
    /// The frame ends before its header or its compressed payload is complete.
    case truncatedFrame
    /// The declared length is not a canonical LEB128 varint of at most 64 bits.
    case malformedLength
    /// The frame decodes (or claims to decode) to more bytes than the decoder accepts.
    /// Refused before any memory is allocated or written.
    case declaredSizeExceedsLimit(declared: UInt64, limit: Int)
    /// The compressed payload is not valid for its codec, has bytes after its end, or
    /// is too short to possibly expand to the declared length.
    case corruptData
    /// The payload decoded to a different length than the header declared.
    /// `actual` is `nil` when decoding stopped because the data went on past `declared`.
    case sizeMismatch(declared: Int, actual: Int?)
    /// The caller's output buffer cannot hold the decoded chunk.
    case outputTooSmall(required: Int, available: Int)

    public var description: String {
        switch self {
        case .unknownCodec(let id):
            "unknown chunk codec 0x\(String(id, radix: 16)); the repository was written by a newer version of this program"
        case .truncatedFrame:
            "chunk frame is truncated"
        case .malformedLength:
            "chunk frame has a malformed length field"
        case .declaredSizeExceedsLimit(let declared, let limit):
            "chunk declares \(declared) bytes, more than the limit of \(limit)"
        case .corruptData:
            "compressed chunk data is corrupt"
        case .sizeMismatch(let declared, let actual?):
            "chunk declares \(declared) bytes but decodes to \(actual)"
        case .sizeMismatch(let declared, nil):
            "chunk declares \(declared) bytes but decodes to more"
        case .outputTooSmall(let required, let available):
            "output buffer holds \(available) bytes, chunk needs \(required)"
        }
    }
}
