// Fuzz target `config`: the config object's envelope (plaintext JSON) and its parameters
// (JSON, after decryption) with their validation. Bound: nothing sized from the document;
// accepted chunk sizes are at most 64 MiB (ChunkerParameters) and pack sizes 1 GiB.
import Foundation
@testable import Repo

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let config = try? RepositoryConfig.decode(bytes) {
        precondition(config.version <= RepositoryConfig.currentVersion, "a newer version accepted")
    }
    guard let parameters = try? JSONCoding.decoder.decode(RepositoryParameters.self, from: Data(bytes)),
          (try? parameters.validate()) != nil else { return 0 }
    for contentClass in ContentClass.allCases {
        guard let chunking = try? parameters.chunking(for: contentClass).parameters() else {
            preconditionFailure("validated parameters with unusable chunking")
        }
        precondition(chunking.maximumSize <= 64 << 20)
    }
    precondition((try? parameters.compressionPolicy()) != nil, "validated parameters with no compression policy")
    return 0
}
