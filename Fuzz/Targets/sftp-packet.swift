// Fuzz target `sftp-packet`: a packet body an SFTP server sends (type byte first, length
// prefix taken off) through the decoders of the SFTP backend: `SFTPVersion.decode` and
// `SFTPResponse.decode` over `SFTPPacketReader`. Bound: every length is checked against
// what is left, and a NAME packet's count against the packet's size.
@testable import Storage

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? SFTPVersion.decode(bytes[...])
    guard let (_, response) = try? SFTPResponse.decode(bytes[...]) else { return 0 }
    switch response {
    case .data(let piece):
        // What a READ is answered with comes out of the packet, never more.
        precondition(piece.count <= size, "more data than the packet holds")
    case .names(let entries):
        precondition(entries.count <= size / 12, "more entries than the packet can hold")
    case .handle(let handle):
        precondition(handle.count <= size, "a handle longer than the packet")
    default: break
    }
    return 0
}
