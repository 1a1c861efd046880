// Fuzz target `wal-record`: a WAL record's plaintext (JSON, after decryption; format version 4).
// Bound: Foundation's JSONDecoder over the input; nothing sized from the document.
import Foundation
@testable import Repo

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let record = try? WALRecord.decode(bytes, name: "wal record") else { return 0 }
    precondition(record.version <= 1, "a newer version accepted")
    precondition(record.fileName != nil, "a record with a name that is not a WAL file name accepted")
    // What decodes encodes, and decodes to the same record.
    guard let encoded = try? record.encoded() else { preconditionFailure("a decoded WAL record does not encode") }
    precondition((try? WALRecord.decode(encoded, name: "wal record")) == record, "an encoded WAL record does not decode to itself")
    return 0
}
