import Crypto

/// The openers of the packs one thread loads blobs from, kept from one `BlobStore.load`
/// to the next. An opener costs a key derivation, an AES context and a zstd context; a
/// snapshot loads a parent tree per directory, most of them from the same few tree packs,
/// and making an opener for each was a third of that load. Not thread-safe: one per thread.
final class PackOpeners {
    private var openers: [Digest256: BlobOpener] = [:]
    /// Packs a walk reads trees from at once are few; past this, start again.
    private let capacity = 16

    init() {}

    func opener(for pack: Digest256, make: () throws -> BlobOpener) rethrows -> BlobOpener {
        if let opener = openers[pack] { return opener }
        let opener = try make()
        if openers.count >= capacity { openers.removeAll(keepingCapacity: true) }
        openers[pack] = opener
        return opener
    }
}
