// Fuzz target `snapshot`: a snapshot object's plaintext (JSON, after decryption).
// Bound: Foundation's JSONDecoder over the input; nothing sized from the document.
import Foundation
@testable import Repo

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let snapshot = try? Snapshot.decode(bytes, name: "snapshot") else { return 0 }
    precondition(snapshot.version <= 1, "a newer version accepted")
    // What decodes encodes, and decodes again.
    guard let encoded = try? snapshot.encoded() else { preconditionFailure("a decoded snapshot does not encode") }
    precondition((try? Snapshot.decode(encoded, name: "snapshot")) != nil, "an encoded snapshot does not decode")
    return 0
}
