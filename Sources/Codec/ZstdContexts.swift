import CZstd

/// One `ZSTD_CCtx`, created once and reused for every chunk: zstd keeps its tables and
/// workspace between frames, so compressing a chunk allocates nothing once the workspace
/// has grown to the largest chunk seen (zstd only shrinks a workspace that stayed more
/// than 3x too large for over a hundred frames in a row).
///
/// Parameters are set once and are sticky for `ZSTD_compress2`. (`ZSTD_compressCCtx`
/// would reset them to the defaults on every call, content size included.)
///
/// Not thread-safe: a context is mutable state used by one thread at a time.
final class ZstdCompressionContext {
    private let context: OpaquePointer

    /// Frames without the content size and without the checksum: the codec frame's
    /// varint carries the length and AES-GCM authenticates the blob.
    init(level: Int32) {
        guard let context = ZSTD_createCCtx() else { fatalError("ZSTD_createCCtx: out of memory") }
        self.context = context
        set(ZSTD_c_compressionLevel, level)
        set(ZSTD_c_checksumFlag, 0)
        set(ZSTD_c_contentSizeFlag, 0)
    }

    deinit { ZSTD_freeCCtx(context) }

    private func set(_ parameter: ZSTD_cParameter, _ value: Int32) {
        let status = ZSTD_CCtx_setParameter(context, parameter, value)
        // Only fails for a value out of range: a programming error (levels are validated).
        guard ZSTD_isError(status) == 0 else { fatalError("ZSTD_CCtx_setParameter: \(Zstd.errorName(status))") }
    }

    /// Compresses `input` as one complete zstd frame into `output` and returns its length,
    /// or nil when that would exceed `output.count` bytes: zstd compresses straight into
    /// `output` block by block and stops at the first block that does not fit.
    func compress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) -> Int? {
        let result = ZSTD_compress2(context, output.baseAddress, output.count, input.baseAddress, input.count)
        guard ZSTD_isError(result) != 0 else { return result }
        guard ZSTD_getErrorCode(result) == ZSTD_error_dstSize_tooSmall else {
            fatalError("ZSTD_compress2: \(Zstd.errorName(result))")
        }
        return nil
    }
}

/// One `ZSTD_DCtx`, created once and reused for every frame. Single-pass decoding writes
/// straight into the caller's buffer and allocates nothing, whatever window a frame claims.
///
/// Not thread-safe: a context is mutable state used by one thread at a time.
final class ZstdDecompressionContext {
    private let context: OpaquePointer
    /// One byte of scratch, given to zstd in place of an empty output buffer.
    private let placeholder = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    init() {
        guard let context = ZSTD_createDCtx() else { fatalError("ZSTD_createDCtx: out of memory") }
        self.context = context
    }

    deinit {
        ZSTD_freeDCtx(context)
        placeholder.deallocate()
    }

    /// Decodes `payload`, which must be exactly one zstd frame (magic number first, nothing
    /// after its end), into exactly `output.count` bytes. zstd never writes past
    /// `output.count`; a frame that decodes to more stops there with an error.
    func decompress(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(CodecError) {
        guard let source = payload.baseAddress, payload.count >= 4 else { throw .truncatedFrame }
        guard UInt32(littleEndian: payload.loadUnaligned(as: UInt32.self)) == Zstd.magicNumber else { throw .corruptData }
        // One frame, ending where the payload ends: no trailing bytes, no second frame.
        let frameSize = ZSTD_findFrameCompressedSize(source, payload.count)
        if ZSTD_isError(frameSize) != 0 { throw Self.classify(frameSize, declared: output.count) }
        guard frameSize == payload.count else { throw .corruptData }

        let produced = ZSTD_decompressDCtx(context, output.baseAddress ?? placeholder, output.count, source, payload.count)
        if ZSTD_isError(produced) != 0 { throw Self.classify(produced, declared: output.count) }
        guard produced == output.count else { throw .sizeMismatch(declared: output.count, actual: produced) }
    }

    private static func classify(_ result: Int, declared: Int) -> CodecError {
        switch ZSTD_getErrorCode(result) {
        case ZSTD_error_dstSize_tooSmall: .sizeMismatch(declared: declared, actual: nil)
        case ZSTD_error_srcSize_wrong: .truncatedFrame
        case ZSTD_error_memory_allocation: fatalError("ZSTD_decompressDCtx: out of memory")
        default: .corruptData
        }
    }
}

enum Zstd {
    /// The magic number that starts every zstd frame (stored little-endian: 28 B5 2F FD).
    static let magicNumber: UInt32 = 0xFD2F_B528

    static func errorName(_ result: Int) -> String { String(cString: ZSTD_getErrorName(result)) }
}
