import Chunker
import Crypto
import Synchronization

/// Every key of a repository, derived from its 64-byte master secret (docs/format.md,
/// "Keys and secrets"), and the pack key generations added by rotations ("Pack key
/// generations"). Holding this is holding full access to the repository.
public final class RepositoryKeys: Sendable {
    public static let masterSecretByteCount = 64

    let masterSecret: SymmetricKey
    /// Names blobs: `HMAC-SHA-256(blobIDKey, plaintext)`.
    let blobIDKey: SymmetricKey
    /// Seals index, snapshot, lock objects and the config parameters.
    let metadataKey: SymmetricKey
    /// The chunker's secret gear table.
    let gear: GearTable
    /// Names WAL records: `HMAC-SHA-256(walNameKey, file name)`, so that a record is found
    /// by its file's name without the names showing in the store.
    let walNameKey: SymmetricKey

    init(masterSecret: SymmetricKey) {
        precondition(masterSecret.byteCount == Self.masterSecretByteCount)
        self.masterSecret = masterSecret
        blobIDKey = HKDF.deriveKey(inputKey: masterSecret, salt: [], info: Array("repo v1 blob id".utf8), outputByteCount: 32)
        metadataKey = HKDF.deriveKey(inputKey: masterSecret, salt: [], info: Array("repo v1 metadata".utf8), outputByteCount: 32)
        walNameKey = HKDF.deriveKey(inputKey: masterSecret, salt: [], info: Array("repo v1 wal name".utf8), outputByteCount: 32)
        let material = HKDF.deriveKey(inputKey: masterSecret, salt: [], info: Array("repo v1 gear".utf8),
                                      outputByteCount: GearTable.keyMaterialByteCount)
        // 2048 random bytes give 256 distinct words but for a 2^-52 accident; retrying is not
        // possible (the table must follow from the secret), so such a secret is refused at init.
        gear = material.withUnsafeBytes { try! GearTable(keyMaterial: $0) }
    }

    /// The pack key generations above 0, as the repository's `keyring` objects hold them:
    /// loaded once the metadata key can open them, extended by a rotation in this process.
    private let keyring = Mutex(PackKeyring())

    var packKeyring: PackKeyring { keyring.withLock { $0 } }

    func setKeyring(_ loaded: PackKeyring) { keyring.withLock { $0 = loaded } }

    /// The generation new packs are sealed with.
    var newestGeneration: UInt32 { keyring.withLock { $0.newest } }

    /// A fresh random master secret, for a new repository.
    static func generate() -> RepositoryKeys {
        RepositoryKeys(masterSecret: .random(byteCount: masterSecretByteCount))
    }

    /// The AES-256-GCM key of the pack of `generation` with this salt: derived from the
    /// master secret (generation 0) or the generation's own secret, the same way.
    func packKey(generation: UInt32, salt: [UInt8]) throws -> SymmetricKey {
        let secret = generation == 0 ? masterSecret : try keyring.withLock { try $0.secret(of: generation) }
        return Self.packKey(secret: secret, salt: salt)
    }

    static func packKey(secret: SymmetricKey, salt: [UInt8]) -> SymmetricKey {
        HKDF.deriveKey(inputKey: secret, salt: salt, info: Array("repo v1 pack".utf8), outputByteCount: 32)
    }
}
