import Crypto
import Storage

/// One worker's share of a restore: takes a whole pack at a time, has the blob layer load
/// the spans of it that hold needed blobs (`PackBlobReader`: one request each, every blob
/// checked against its id), and writes each blob to every place that needs it.
///
/// A damaged blob or an unreadable pack makes the files that need it incomplete, and
/// reported; everything else is still restored.
///
/// Not thread-safe: one per worker thread.
final class PackRestorer {
    private let plan: RestorePlan
    private let files: RestoreFiles
    private let tally: RestoreTally
    private let check: ContentCheck
    private let spans: PackSpans
    private let reader: PackBlobReader
    /// Where a member of a segment lies in it (the plan keeps only its start).
    private let locate: (Digest256) -> BlobLocation?
    /// The current pack's distinct blobs, and for each the pieces (neighbours in
    /// `plan.pieces`) it fills; kept from pack to pack.
    private var blobs: [PackEntry] = []
    private var places: [Range<Int>] = []

    init(repository: Repository, plan: RestorePlan, files: RestoreFiles, tally: RestoreTally) {
        self.plan = plan
        self.files = files
        self.tally = tally
        // A namer of its own: the read-back runs while the reader's may be mid-blob.
        check = ContentCheck(repository: repository, namer: repository.blobs.namer())
        spans = PackSpans(preferredReadSize: repository.backend.preferredReadSize)
        reader = PackBlobReader(store: repository.blobs)
        locate = repository.location(of:)
    }

    /// Restores every piece that comes from `plan.packs[number]`.
    func restore(pack number: Int) {
        let pack = plan.packs[number]
        blobs.removeAll(keepingCapacity: true)
        places.removeAll(keepingCapacity: true)
        var start = pack.pieces.lowerBound
        while start < pack.pieces.upperBound {
            // Copies of one blob (in several files or places) are neighbours: decode once.
            let first = plan.pieces[start]
            var end = start + 1
            while end < pack.pieces.upperBound && plan.pieces[end].packOffset == first.packOffset && plan.pieces[end].blob == first.blob {
                end += 1
            }
            var entry = PackEntry(type: pack.type, id: first.blob, offset: Int(first.packOffset), length: Int(first.length),
                                  plaintextLength: Int(first.plaintextLength))
            if first.segmentStart != RestorePlan.Piece.alone { entry.segment = locate(first.blob)?.segment }
            blobs.append(entry)
            places.append(start..<end)
            start = end
        }
        do {
            try reader.load(blobs, fromPack: pack.id, type: pack.type, spans: spans, unreadable: { span, error in
                fail(places[span.lowerBound].lowerBound..<places[span.upperBound - 1].upperBound, error)
            }) { blob, result in
                switch result {
                case .success(let loaded): write(loaded.plaintext, into: places[blob])
                case .failure(let error):
                    tally.damaged(blobs[blob].id)
                    fail(places[blob], error)
                }
            }
        } catch {
            fail(pack.pieces, error)
        }
    }

    private func write(_ plaintext: UnsafeRawBufferPointer, into places: Range<Int>) {
        for index in places {
            let piece = plan.pieces[index]
            let file = Int(piece.file)
            let handle = files.handle(file)
            if let handle {
                do throws(FileSystemError) {
                    try handle.write(plaintext, at: piece.fileOffset)
                    tally.update { $0.bytesWritten += UInt64(plaintext.count) }
                } catch {
                    files.fail(file, error)
                }
            }
            files.pieceDone(file, handle: handle, check: check)
        }
    }

    /// Pieces that cannot be written: their files are incomplete. Blobs whose pack is
    /// missing or short are damage.
    ///
    /// The file is still made (this may be its only piece), at its full size: what is
    /// intact is written and the lost range stays a hole, so the intact parts survive and a
    /// hard link to it can be made.
    private func fail(_ places: Range<Int>, _ error: Error) {
        let damage = RepositoryDamage.isDamage(error)
        for index in places {
            if damage { tally.damaged(plan.pieces[index].blob) }
            let file = Int(plan.pieces[index].file)
            files.fail(file, error)
            files.pieceDone(file, handle: files.handle(file), check: check)
        }
    }
}
