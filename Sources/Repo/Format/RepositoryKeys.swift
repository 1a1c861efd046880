import Chunker
import Crypto

/// Every key of a repository, derived from its 64-byte master secret (docs/format.md,
/// "Keys and secrets"). Holding this is holding full access to the repository.
public final class RepositoryKeys: Sendable {
    public static let masterSecretByteCount = 64

    let masterSecret: SymmetricKey
    /// Names blobs: `HMAC-SHA-256(blobIDKey, plaintext)`.
    let blobIDKey: SymmetricKey
    /// Seals index, snapshot, lock objects and the config parameters.
    let metadataKey: SymmetricKey
    /// The chunker's secret gear table.
    let gear: GearTable

    init(masterSecret: SymmetricKey) {
        precondition(masterSecret.byteCount == Self.masterSecretByteCount)
        self.masterSecret = masterSecret
        blobIDKey = HKDF.deriveKey(inputKey: masterSecret, salt: [], info: Array("repo v1 blob id".utf8), outputByteCount: 32)
        metadataKey = HKDF.deriveKey(inputKey: masterSecret, salt: [], info: Array("repo v1 metadata".utf8), outputByteCount: 32)
        let material = HKDF.deriveKey(inputKey: masterSecret, salt: [], info: Array("repo v1 gear".utf8),
                                      outputByteCount: GearTable.keyMaterialByteCount)
        // 2048 random bytes give 256 distinct words but for a 2^-52 accident; retrying is not
        // possible (the table must follow from the secret), so such a secret is refused at init.
        gear = material.withUnsafeBytes { try! GearTable(keyMaterial: $0) }
    }

    /// A fresh random master secret, for a new repository.
    static func generate() -> RepositoryKeys {
        RepositoryKeys(masterSecret: .random(byteCount: masterSecretByteCount))
    }

    /// The AES-256-GCM key of the pack with this salt.
    func packKey(salt: [UInt8]) -> SymmetricKey {
        HKDF.deriveKey(inputKey: masterSecret, salt: salt, info: Array("repo v1 pack".utf8), outputByteCount: 32)
    }
}
