import Crypto
import Storage

/// One pack key generation (docs/format.md, "Pack key generations"): a random 64-byte
/// secret that the packs of its generation derive their keys from, stored as a
/// `keyring/<id>` object sealed with the metadata key. Generation 0 is the master secret
/// itself and has no object.
struct PackKeyGeneration: Sendable {
    static let magic = "RGEN"
    static let version: UInt8 = 1
    static let secretByteCount = 64

    var number: UInt32
    /// Seconds since 1970 (UTC).
    var created: Int64
    var secret: SymmetricKey

    /// A fresh random secret for generation `number`.
    static func generate(number: UInt32, created: Int64) -> PackKeyGeneration {
        PackKeyGeneration(number: number, created: created, secret: .random(byteCount: secretByteCount))
    }

    func encode() -> [UInt8] {
        var writer = BinaryWriter(capacity: 96)
        writer.appendHeader(magic: Self.magic, version: Self.version)
        writer.append(varint: UInt64(number))
        writer.append(int64: created)
        secret.withUnsafeBytes { writer.append(raw: $0) }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> PackKeyGeneration {
        var reader = BinaryReader(bytes, context: name)
        try reader.expectHeader(magic: magic, version: version)
        let number = try reader.count(atMost: Int(UInt32.max))
        guard number >= 1 else { throw reader.corrupt("generation 0 is the master secret, not an object") }
        let created = try reader.int64()
        let secret = try reader.bytes(count: secretByteCount)
        try reader.expectEnd()
        return PackKeyGeneration(number: UInt32(number), created: created, secret: SymmetricKey(bytes: secret))
    }
}

/// The pack key generations a repository has, as its opener found them: the secrets by
/// number, and the `keyring` objects that did not open (reported by `check`, and an error
/// only for a pack of a generation that is missing).
struct PackKeyring: Sendable {
    struct Entry: Sendable {
        var generation: PackKeyGeneration
        var object: String
    }

    private(set) var entries: [UInt32: Entry] = [:]
    /// Generation numbers two objects claim (two rotations that raced past the lock): their
    /// packs cannot be told apart, so neither is used to write and a read says why.
    private(set) var ambiguous: Set<UInt32> = []
    /// `keyring` objects that could not be opened or decoded, with why.
    var damaged: [(object: String, problem: String)] = []

    mutating func add(_ generation: PackKeyGeneration, object: String) {
        if let known = entries[generation.number], known.object != object {
            ambiguous.insert(generation.number)
            return
        }
        entries[generation.number] = Entry(generation: generation, object: object)
    }

    /// The generation new packs are sealed with: the newest usable one, 0 without any.
    var newest: UInt32 { entries.keys.filter { !ambiguous.contains($0) }.max() ?? 0 }

    func secret(of number: UInt32) throws -> SymmetricKey {
        guard !ambiguous.contains(number), let entry = entries[number] else {
            let why = ambiguous.contains(number) ? "two keyring objects claim it" : damaged.isEmpty
                ? "its keyring object is missing" : "its keyring object is missing or damaged"
            throw FormatError.corrupt("pack key generation \(number)", "\(why): run repo check")
        }
        return entry.generation.secret
    }
}

extension PackKeyring {
    /// Every `keyring` object of `backend` that opens: one listing and a read of each (a
    /// few, one per rotation). One that does not open is noted, not thrown: only its packs
    /// need it.
    static func load(from backend: any Backend, sealer: MetadataSealer) throws -> PackKeyring {
        var keyring = PackKeyring()
        for info in try backend.list(.keyring) {
            let name = "keyring \(info.name.id.prefix(8))"
            do {
                let plaintext = try sealer.open(try backend.read(info.name), kind: .keyGeneration, name: name)
                keyring.add(try PackKeyGeneration.decode(plaintext, name: name), object: info.name.id)
            } catch let error as FormatError {
                keyring.damaged.append((name, "\(error)"))
            }
        }
        return keyring
    }
}
