// Fuzz target `key-file`: a key file (plaintext JSON) through decode and the structural
// checks made before any password is tried. Bound: `structuralProblem` refuses scrypt
// parameters needing more than `Scrypt.Parameters.maximumMemoryByteCount`, so the key
// derivation that would follow cannot be made to allocate more; it is not run here.
import Crypto
@testable import Repo

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let key = try? KeyFile.decode(bytes, name: "key") else { return 0 }
    guard key.structuralProblem == nil else { return 0 }
    let memory = try? key.scrypt.validatedMemoryByteCount()
    precondition(memory.map { $0 <= Scrypt.Parameters.maximumMemoryByteCount } == true, "scrypt bound not enforced")
    precondition(key.salt.count == 32 && key.sealed.count == RepositoryKeys.masterSecretByteCount + 28)
    return 0
}
