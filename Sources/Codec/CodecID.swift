/// Identifies how the payload of a frame is encoded.
///
/// The raw value is the first byte of every stored chunk, so these numbers are a
/// **permanent on-disk contract**: a value, once released, must never be renumbered,
/// reused or given a different meaning, or old repositories become unreadable. New
/// codecs get new, previously unused values. A reader that meets a value it does not know
/// refuses the frame with ``CodecError/unknownCodec(_:)``: the chunk was written by a
/// newer version of the repository format.
public enum CodecID: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Stored as is. Frame: the id byte, then the bytes.
    case none = 0
    /// Raw deflate (RFC 1951: no zlib header, no adler32 trailer, since the frame is
    /// authenticated by AES-GCM later). Frame: the id byte, the uncompressed length as
    /// an unsigned LEB128 varint, then the deflate stream. The id names the format, not
    /// the library: any RFC 1951 encoder (libdeflate, say) may write these frames.
    case zlib = 1
    /// Zstandard (RFC 8878). Frame: the id byte, the uncompressed length as an unsigned
    /// LEB128 varint, then exactly one standard zstd frame (with its magic number) that
    /// ends where the blob's frame ends. Written without the zstd frame's content size
    /// and checksum (the varint and AES-GCM cover both); a reader accepts them when
    /// present. The length must equal the zstd frame's decoded size.
    case zstd = 2

    public var description: String {
        switch self {
        case .none: "none"
        case .zlib: "zlib"
        case .zstd: "zstd"
        }
    }
}
