import Crypto
import Storage

/// One worker's share of a restore: takes a whole pack at a time, reads the spans of it
/// that hold needed blobs (one request each), and for each blob authenticates, decrypts,
/// decodes and checks it against its id before writing it to every place that needs it.
///
/// Decryption alone would catch damage, but checking the id as well costs little (one
/// HMAC per blob) and also catches a blob that decrypts but is not the one the tree names.
/// A damaged blob or an unreadable pack makes the files that need it incomplete, and
/// reported; everything else is still restored.
///
/// Not thread-safe: one per worker thread.
final class PackRestorer {
    private let repository: Repository
    private let plan: RestorePlan
    private let files: RestoreFiles
    private let tally: RestoreTally
    private let hasher: HMACSHA256Hasher
    private let check: ContentCheck
    private let spans: PackSpans
    /// The blob being written, kept from blob to blob: large blobs would otherwise each
    /// take fresh pages from the system.
    private var plaintext: [UInt8] = []
    /// The span being restored, its storage reused from span to span.
    private var sealed: [UInt8] = []
    /// The last pack's opener, whose buffers the next one takes over.
    private var previousOpener: BlobOpener?

    init(repository: Repository, plan: RestorePlan, files: RestoreFiles, tally: RestoreTally) {
        self.repository = repository
        self.plan = plan
        self.files = files
        self.tally = tally
        hasher = HMACSHA256Hasher(key: repository.keys.blobIDKey)
        // A hasher of its own: the read-back runs while `hasher` may be mid-blob.
        check = ContentCheck(repository: repository, hasher: HMACSHA256Hasher(key: repository.keys.blobIDKey))
        spans = PackSpans(preferredReadSize: repository.backend.preferredReadSize)
    }

    /// Restores every piece that comes from `plan.packs[number]`.
    func restore(pack number: Int) {
        let pack = plan.packs[number]
        let name = ObjectName(pack.type.packKind, pack.id.hex)
        let opener: BlobOpener
        do {
            guard let salt = repository.packSalt(pack.id) else { throw FormatError.corrupt("pack \(pack.id.hex)", "not in the index") }
            opener = try BlobOpener(keys: repository.keys, salt: salt, reusing: previousOpener)
            previousOpener = opener
        } catch {
            fail(pack.pieces, error)
            return
        }
        for span in spans.split(plan.pieces[pack.pieces]) {
            let range = PackSpans.byteRange(of: span, in: plan.pieces)
            do {
                try repository.backend.read(name, range: range, into: &sealed)
            } catch {
                fail(span, error)
                continue
            }
            var start = span.lowerBound
            while start < span.upperBound {
                // Copies of one blob (in several files or places) are neighbours: decode once.
                let first = plan.pieces[start]
                var end = start + 1
                while end < span.upperBound && plan.pieces[end].packOffset == first.packOffset && plan.pieces[end].blob == first.blob {
                    end += 1
                }
                let entry = PackEntry(type: pack.type, id: first.blob, offset: Int(first.packOffset), length: Int(first.length),
                                      plaintextLength: Int(first.plaintextLength))
                restore(entry, sealedAt: entry.offset - range.lowerBound, of: sealed, opener: opener, into: start..<end,
                        pack: pack.id)
                start = end
            }
        }
    }

    private func restore(_ entry: PackEntry, sealedAt start: Int, of bytes: [UInt8], opener: BlobOpener,
                         into places: Range<Int>, pack: Digest256) {
        let length: Int
        do {
            length = try bytes.withUnsafeBytes { raw in
                try opener.open(UnsafeRawBufferPointer(rebasing: raw[start..<start + entry.length]), entry: entry, pack: pack.hex,
                                into: &plaintext)
            }
            plaintext.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
            guard hasher.finalize() == entry.id else {
                throw FormatError.corrupt("blob \(entry.id.hex) in pack \(pack.hex)", "does not hash to its id")
            }
        } catch {
            tally.damaged(entry.id)
            fail(places, error)
            return
        }
        for index in places {
            let piece = plan.pieces[index]
            let file = Int(piece.file)
            let handle = files.handle(file)
            if let handle {
                let result = plaintext.withUnsafeBytes { buffer in
                    Result { () throws(FileSystemError) in try handle.write(UnsafeRawBufferPointer(rebasing: buffer[..<length]), at: piece.fileOffset) }
                }
                switch result {
                case .success: tally.update { $0.bytesWritten += UInt64(length) }
                case .failure(let error): files.fail(file, error)
                }
            }
            files.pieceDone(file, handle: handle, check: check)
        }
    }

    /// Pieces that cannot be written: their files are incomplete.
    private func fail(_ places: Range<Int>, _ error: Error) {
        for index in places {
            let file = Int(plan.pieces[index].file)
            files.fail(file, error)
            files.pieceDone(file, handle: nil, check: check)
        }
    }
}
