// Fuzz target `index-object`: an index object's plaintext (after decryption), through every
// way it is read: decode, the record ranges prune copies, and loading into a BlobIndex.
// Bound: counts are checked against the bytes left before anything is reserved.
@testable import Repo

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let decoded = try? IndexObject.decode(bytes, name: "index")
    let records = try? IndexObject.records(bytes, name: "index")
    var index = BlobIndex()
    let loaded = (try? IndexObject.load(bytes, name: "index", into: &index)) != nil
    precondition((decoded != nil) == (records != nil) && (decoded != nil) == loaded, "readers of one object disagree")
    guard let decoded, let records else { return 0 }
    // Encodings are canonical (shortest varints): what decodes encodes to the same bytes.
    precondition(IndexObject.encode(decoded) == bytes, "decode and encode do not round-trip")
    precondition(IndexObject.encode(records: records.map { bytes[$0.bytes] }) == bytes, "records do not cover the object")
    return 0
}
