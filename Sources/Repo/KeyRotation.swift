import Crypto
import Foundation
import Storage

/// One pack key generation as `repo key list` shows it.
public struct KeyGenerationInfo: Sendable {
    public let number: UInt32
    /// When the rotation made it; nil for generation 0 (the master secret, made at init).
    public let created: Date?
    /// New packs are sealed under it.
    public let isCurrent: Bool
    /// Packs the index lists under it, and their bytes.
    public let packs: Int
    public let bytes: Int
}

extension Repository {
    /// Adds a pack key generation (docs/format.md, "Pack key generations"): new packs of
    /// this process are sealed under it at once, of other processes once they open the
    /// repository again. Returns its number. The caller holds the exclusive lock, so the
    /// generations listed here are all there are until the new one is written.
    ///
    /// The config is marked first: a crash before the generation is written leaves a
    /// repository that only readers that know generations open, which is all it needs;
    /// the other order could leave packs of a generation in a repository that older
    /// readers would take for one they can read.
    public func rotatePackKey() throws -> UInt32 {
        try markKeyGenerations()
        let keyring = try PackKeyring.load(from: backend, sealer: metadata)
        // A damaged object hides its number: a new generation could take it.
        if let damaged = keyring.damaged.first {
            throw FormatError.corrupt(damaged.object, "\(damaged.problem); no new generation is made while one does not open: run `repo check`")
        }
        let number = (keyring.entries.keys.max() ?? 0) + 1
        let generation = PackKeyGeneration.generate(number: number, created: Int64(Date().timeIntervalSince1970))
        let sealed = try metadata.seal(generation.encode(), kind: .keyGeneration)
        let name = ObjectName(.keyring, SHA256.hash(sealed).hex)
        try backend.write(name, sealed)
        var loaded = keyring
        loaded.add(generation, object: name.id)
        blobs.setKeyring(loaded)
        return number
    }

    /// Writes the config again as version 2, unless it is already (the same id and sealed
    /// parameters: one atomic write of the same small object).
    private func markKeyGenerations() throws {
        var config = try Repository.decodeConfig(try backend.read(.config), backend: backend)
        guard config.version < RepositoryConfig.generationsVersion else { return }
        config.version = RepositoryConfig.generationsVersion
        try backend.write(.config, try config.encoded())
    }

    /// Whether a rotation ever added a generation (that opened).
    public var hasKeyGenerations: Bool { !blobs.keyring.entries.isEmpty }

    /// Generation 0 and every generation the keyring holds, oldest first, with the packs
    /// the loaded index lists under each.
    public func listKeyGenerations() -> [KeyGenerationInfo] {
        let keyring = blobs.keyring
        let newest = keyring.newest
        var usage: [UInt32: (packs: Int, bytes: Int)] = [:]
        withIndex { index in
            for pack in index.packs {
                usage[pack.generation, default: (0, 0)].packs += 1
                usage[pack.generation, default: (0, 0)].bytes += pack.size
            }
        }
        let numbers = Set([0]).union(keyring.entries.keys).union(usage.keys).sorted()
        return numbers.map { number in
            let created = keyring.entries[number].map { Date(timeIntervalSince1970: TimeInterval($0.generation.created)) }
            return KeyGenerationInfo(number: number, created: created, isCurrent: number == newest,
                                     packs: usage[number]?.packs ?? 0, bytes: usage[number]?.bytes ?? 0)
        }
    }

    /// What is wrong with the keyring: objects that do not open, numbers claimed twice and
    /// generations that indexed packs need but the keyring lacks (`repo check`).
    func keyringProblems() -> [String] {
        let keyring = blobs.keyring
        var problems = keyring.damaged.map(\.problem)
        problems += keyring.ambiguous.sorted().map { "pack key generation \($0): two keyring objects claim it" }
        let needed = withIndex { Set($0.packs.map(\.generation)) }
        for number in needed.sorted() where number > 0 && keyring.entries[number] == nil && !keyring.ambiguous.contains(number) {
            problems.append("pack key generation \(number): packs are sealed under it but no keyring object that opens holds it")
        }
        return problems
    }
}
