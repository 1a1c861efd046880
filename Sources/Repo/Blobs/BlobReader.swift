import Crypto
import Storage

/// Reads blobs one at a time in a file's order, for dump, diff and copy: ranged reads from
/// packs, with each pack's cipher kept for the blobs that follow from the same pack. (A
/// restore plans all its reads first and reads each pack once: `PackBlobReader`.) Not
/// thread-safe.
///
/// On an object store (`preferredReadSize` > 0) a read fetches a window of that size from
/// the blob on, and later blobs inside it come from memory: blobs are restored in about the
/// order they were stored, so one request serves many. Snapshot workers fill packs side by
/// side, so consecutive files alternate between a few packs: the last few windows are kept.
final class BlobReader {
    private let store: BlobStore
    private var openers: [Digest256: BlobOpener] = [:]
    private let readAhead: Int
    private var windows: [(pack: Digest256, start: Int, bytes: [UInt8])] = []
    private static let windowCount = 6
    /// Set when blobs are checked against their ids (copy: damage is never copied).
    private let namer: BlobNamer?

    init(store: BlobStore, checkingIDs: Bool = false) {
        self.store = store
        readAhead = store.backend.preferredReadSize
        namer = checkingIDs ? store.namer() : nil
    }

    func load(_ id: Digest256) throws -> [UInt8] {
        guard let location = store.location(of: id) else { throw RepositoryError.blobMissing(id) }
        let plaintext = try open(id, at: location)
        try namer.map { namer in try plaintext.withUnsafeBytes { try namer.check($0, is: id, inPack: location.pack) } }
        return plaintext
    }

    private func open(_ id: Digest256, at location: BlobLocation) throws -> [UInt8] {
        let opener = try opener(for: location.pack)
        let entry = location.entry(id: id)
        if let window = windows.last(where: { $0.pack == location.pack && location.offset >= $0.start
                                                && location.offset + location.length <= $0.start + $0.bytes.count }) {
            return try window.bytes.withUnsafeBytes { raw in
                let start = location.offset - window.start
                return try opener.open(UnsafeRawBufferPointer(rebasing: raw[start..<start + location.length]), entry: entry,
                                       pack: location.pack.hex)
            }
        }
        let name = ObjectName(location.type.packKind, location.pack.hex)
        var end = location.offset + location.length
        if readAhead > location.length, let packSize = store.packSize(location.pack) {
            end = max(end, min(packSize, location.offset + readAhead))
        }
        let bytes = try store.backend.read(name, range: location.offset..<end)
        if end > location.offset + location.length {
            windows.removeAll { $0.pack == location.pack }
            windows.append((location.pack, location.offset, bytes))
            if windows.count > Self.windowCount { windows.removeFirst() }
        }
        return try bytes.withUnsafeBytes {
            try opener.open(UnsafeRawBufferPointer(rebasing: $0[0..<location.length]), entry: entry, pack: location.pack.hex)
        }
    }

    private func opener(for pack: Digest256) throws -> BlobOpener {
        if let opener = openers[pack] { return opener }
        if openers.count > 256 { openers.removeAll() }
        let opener = try store.opener(for: pack)
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
