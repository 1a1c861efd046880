import Crypto
import Foundation
import Storage

extension Checker {
    /// What is wrong with the key files. Without a password (of theirs) only what the
    /// format guarantees is verified: a key file is named by the SHA-256 of its bytes, is
    /// a key file of this version, and has a salt and a sealed secret of the right sizes.
    /// With the password that opened the repository, every other key file it opens must
    /// open this repository's config too (else it is a key of another repository).
    func keyProblems() throws -> [String] {
        let backend = repository.backend
        let config = try RepositoryConfig.decode(try backend.read(.config))
        var problems: [String] = []
        for info in try backend.list(.keys) {
            let id = info.name.id
            let bytes = try backend.read(info.name)
            let damaged = "the key file is damaged: remove it with `repo key remove \(id.prefix(8))` once another key works (`repo key add`)"
            guard SHA256.hash(bytes).hex == id else {
                problems.append("keys/\(id): content does not match its name (SHA-256 differs): \(damaged)")
                continue
            }
            let keyFile: KeyFile
            do {
                keyFile = try KeyFile.decode(bytes, name: "keys/\(id)")
            } catch {
                problems.append("keys/\(id): not a key file: \(damaged)")
                continue
            }
            if let why = keyFile.structuralProblem {
                problems.append("keys/\(id): \(why): \(damaged)")
                continue
            }
            guard let password, info.name != repository.currentKey else { continue }
            let keys: RepositoryKeys?
            do {
                keys = try keyFile.unwrap(password: password, name: "keys/\(id)")
            } catch {
                problems.append("\(error): \(damaged)")
                continue
            }
            guard let keys else { continue }  // another password's key
            if (try? config.parameters(sealer: MetadataSealer(keys: keys))) == nil {
                problems.append("keys/\(id) opens with this password but not this repository's config: a key of another repository (remove it: `repo key remove \(id.prefix(8))`)")
            }
        }
        return problems
    }
}
