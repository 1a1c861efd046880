// Fuzz target `pack-header`: a pack header as it is after decryption, with where it starts.
// Input: the header's start minus the preamble's 21 bytes (UInt32, little-endian), then
// the decrypted header. Bound: entries reserved only for what the bytes can hold (34
// bytes an entry), so allocation stays within a small multiple of the input.
@testable import Repo

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.count >= 4 else { return 0 }
    let headerStart = PackLayout.preambleByteCount + bytes[..<4].reversed().reduce(0) { $0 << 8 | Int($1) }
    guard let entries = try? PackReader.entries(plaintext: Array(bytes[4...]), headerStart: headerStart, name: "pack") else {
        return 0
    }
    // What is accepted tiles the pack from the preamble exactly up to the header: blobs
    // alone and segments (whose members share the segment's offset and length, and tile its
    // plaintext).
    var offset = PackLayout.preambleByteCount
    for run in SegmentLayout.runs(entries) {
        var start = 0
        for entry in run {
            precondition(entry.offset == offset && entry.length == run.first!.length && entry.length > 0, "entries do not tile the pack")
            if let segment = entry.segment {
                precondition(segment.start == start && segment.start + entry.plaintextLength <= segment.length, "members do not tile their segment")
                start += entry.plaintextLength
            }
        }
        precondition(run.first!.segment.map { $0.length == start } ?? (run.count == 1), "members do not fill their segment")
        offset += run.first!.length
    }
    precondition(offset == headerStart, "entries do not end where the header starts")
    // What decodes encodes back to the same header.
    precondition(PackReader.encodeHeader(entries) == Array(bytes[4...]), "a header does not encode back to its bytes")
    return 0
}
