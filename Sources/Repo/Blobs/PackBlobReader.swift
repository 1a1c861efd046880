import Crypto
import Storage

/// Loads many blobs of one pack at a time, for the readers that go through whole packs:
/// restore, check and prune's repack. Each span of the pack is one request, read into a
/// buffer kept from span to span; each blob is authenticated, decoded into a plaintext
/// buffer also kept, and checked against its id. A worker thus takes no fresh pages per
/// pack or per large blob, and no damaged blob reaches its caller.
///
/// Not thread-safe: one per worker.
final class PackBlobReader {
    /// One loaded blob; its buffers are valid only during the call it is passed to.
    struct Blob {
        /// The decrypted frame as stored (compressed): prune seals it again unchanged. Nil
        /// for a member of a segment, which has no frame of its own.
        let frame: UnsafeRawBufferPointer?
        let plaintext: UnsafeRawBufferPointer
    }

    private let store: BlobStore
    private let namer: BlobNamer
    /// The last pack's opener, whose buffers the next one takes over.
    private var opener: BlobOpener?
    private var span: [UInt8] = []
    private var plaintext: [UInt8] = []

    init(store: BlobStore) {
        self.store = store
        namer = store.namer()
    }

    /// Loads `entries` (blobs of `type` in `pack`, sorted by offset, then a segment's members
    /// by their start, each blob once; `PackEntry.packOrder`) in the
    /// requests `spans` cuts. `body` gets each entry's index and its blob, or what damaged
    /// it; a span that cannot be read goes to `unreadable` with its entries' indices.
    /// `read` sees every byte read; with `wholePack` (the pack's size) the first request
    /// starts at the pack's start and the last ends at its end, so it sees the whole pack
    /// (check hashes it against its name). `preamble`: the pack's salt and key generation,
    /// for one in no index. Throws when the pack is not in the index (and no preamble is
    /// given), and what the closures throw.
    func load(_ entries: [PackEntry], fromPack pack: Digest256, type: BlobType, preamble: PackPreamble? = nil, spans: PackSpans,
              wholePack: Int? = nil,
              read: (UnsafeRawBufferPointer) throws -> Void = { _ in },
              unreadable: (Range<Int>, Error) throws -> Void,
              _ body: (Int, Result<Blob, Error>) throws -> Void) throws {
        let opener = try store.opener(for: pack, preamble: preamble, reusing: opener)
        self.opener = opener
        let name = ObjectName(type.packKind, pack.hex)
        let cut = spans.split(entries[...])
        for (number, span) in cut.enumerated() {
            var range = PackSpans.byteRange(of: span, in: entries)
            if let wholePack {
                range = (number == 0 ? 0 : range.lowerBound)..<(number == cut.count - 1 ? wholePack : range.upperBound)
            }
            do {
                try store.backend.read(name, range: range, into: &self.span)
            } catch {
                try unreadable(span, error)
                continue
            }
            try self.span.withUnsafeBytes { raw in
                try read(raw)
                for index in span {
                    let entry = entries[index]
                    let start = entry.offset - range.lowerBound
                    let sealed = UnsafeRawBufferPointer(rebasing: raw[start..<start + entry.length])
                    var opened = false
                    do {
                        try opener.withFrame(sealed, entry: entry, pack: pack.hex, plaintext: &plaintext) { frame, plaintext in
                            try namer.check(plaintext, is: entry.id, inPack: pack)
                            opened = true
                            try body(index, .success(Blob(frame: frame, plaintext: plaintext)))
                        }
                    } catch let error where !opened {
                        try body(index, .failure(error))
                    }
                }
            }
        }
        // A pack that holds no blob is still read, when the whole of it is wanted.
        if cut.isEmpty, let wholePack {
            do {
                try store.backend.read(name, range: 0..<wholePack, into: &self.span)
            } catch {
                try unreadable(0..<0, error)
                return
            }
            try self.span.withUnsafeBytes { try read($0) }
        }
    }
}
