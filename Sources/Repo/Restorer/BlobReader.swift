import Crypto

/// Reads blobs for restore, dump and diff: ranged reads from packs, with each pack's
/// cipher kept for the blobs that follow from the same pack. Not thread-safe.
final class BlobReader {
    private let repository: Repository
    private var openers: [Digest256: BlobOpener] = [:]

    init(repository: Repository) { self.repository = repository }

    func load(_ id: Digest256) throws -> [UInt8] {
        guard let location = repository.location(of: id) else { throw RepositoryError.blobMissing(id) }
        let opener = try opener(for: location.pack)
        let name = ObjectName(location.type.packKind, location.pack.hex)
        let sealed = try repository.backend.read(name, range: location.offset..<location.offset + location.length)
        let entry = PackEntry(type: location.type, id: id, offset: location.offset, length: location.length,
                              plaintextLength: location.plaintextLength)
        return try sealed.withUnsafeBytes { try opener.open($0, entry: entry, pack: location.pack.hex) }
    }

    private func opener(for pack: Digest256) throws -> BlobOpener {
        if let opener = openers[pack] { return opener }
        guard let salt = repository.packSalt(pack) else { throw FormatError.corrupt("pack \(pack.hex)", "not in the index") }
        if openers.count > 256 { openers.removeAll() }
        let opener = try BlobOpener(keys: repository.keys, salt: salt)
        openers[pack] = opener
        return opener
    }

    /// Writes a file's content to `write`, in order: blobs as their bytes, holes as
    /// `hole(length)` calls (a sparse-aware writer skips them, a stream writes zeros).
    func forEachPiece(of node: Node, blob: ([UInt8]) throws -> Void, hole: (UInt64) throws -> Void) throws {
        for piece in node.content {
            switch piece {
            case .blob(let id): try blob(try load(id))
            case .hole(let length): try hole(length)
            }
        }
    }
}
