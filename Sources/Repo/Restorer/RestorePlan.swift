import Crypto

/// Everything a restore will write once the tree walk is done: the files, and their blobs
/// as pieces grouped by the pack that holds them, so that each pack is read once, in order,
/// whichever files its blobs belong to.
///
/// Costs 64 bytes a piece (`Piece`) plus a file's name and metadata a file: the data itself
/// is only ever in flight, a pack span per worker.
struct RestorePlan {
    /// A regular file to write, created by whichever worker first writes to it.
    struct File {
        /// Its directory, in `RestoreDirectories`.
        let directory: Int32
        let name: [UInt8]
        let size: UInt64
        let metadata: FileMetadata
        /// Blobs to write; the file is complete (and gets its metadata) when all are written.
        var pieces: UInt32 = 0
        /// The content, kept only to read the file back (`--verify`).
        var content: [ContentPiece]?
        /// A blob of it is missing from the index: it cannot be complete.
        var incomplete = false
    }

    /// One blob to write at one offset of one file. A blob that is in several files, or at
    /// several offsets of one, is one piece per place, read and decoded once.
    struct Piece {
        let blob: Digest256
        let fileOffset: UInt64
        let packOffset: UInt32
        let length: UInt32
        let plaintextLength: UInt32
        let file: UInt32
        /// Index in `packs`.
        let pack: UInt32
        /// For a member of a segment, its start in the segment's plaintext (members of one
        /// segment share `packOffset`); `Piece.alone` otherwise.
        var segmentStart: UInt32 = Piece.alone

        static let alone = UInt32.max
    }

    struct Pack {
        let id: Digest256
        let type: BlobType
        /// Its pieces in `pieces`, once `groupByPack` has run.
        var pieces: Range<Int> = 0..<0
    }

    /// A hard link to make once its first name (`target`, relative to the restore target)
    /// is complete.
    struct HardLink {
        let directory: Int32
        let name: [UInt8]
        let target: FilePath
        /// The first name's number in `files` when it is written (nil when it was already
        /// there): the link fails with it.
        let targetFile: Int?
        /// The link's path in the snapshot, for messages.
        let path: FilePath
    }

    /// A directory whose metadata is set after everything inside it is written. Its path is
    /// not kept (a deep tree's paths would take memory quadratic in its depth): messages
    /// ask `RestoreDirectories` for it.
    struct Directory {
        let number: Int32
        let metadata: FileMetadata
    }

    private(set) var files: [File] = []
    private(set) var pieces: [Piece] = []
    /// In the order the walk first needed them.
    private(set) var packs: [Pack] = []
    private var packNumbers: [Digest256: UInt32] = [:]
    var hardLinks: [HardLink] = []
    /// Children before their parents: the order to set their metadata in.
    var directories: [Directory] = []

    /// Adds the file `node` in `directory`. Returns the first of its blobs the index does
    /// not have, if any: the file is then written up to that blob, with the size it had.
    mutating func addFile(directory: Int32, node: Node, keepContent: Bool,
                          locate: (Digest256) -> BlobLocation?) -> Digest256? {
        let number = UInt32(files.count)
        var offset: UInt64 = 0
        var count: UInt32 = 0
        var missing: Digest256?
        for piece in node.content {
            switch piece {
            case .hole(let length):
                offset += length
            case .blob(let id):
                // Without the blob's length, nothing after it can be placed.
                guard let location = locate(id) else {
                    missing = id
                    break
                }
                pieces.append(Piece(blob: id, fileOffset: offset, packOffset: UInt32(location.offset),
                                    length: UInt32(location.length), plaintextLength: UInt32(location.plaintextLength),
                                    file: number, pack: packNumber(location),
                                    segmentStart: location.segment.map { UInt32($0.start) } ?? Piece.alone))
                offset += UInt64(location.plaintextLength)
                count += 1
            }
            if missing != nil { break }
        }
        files.append(File(directory: directory, name: node.name, size: missing == nil ? offset : node.size,
                          metadata: node.metadata, pieces: count, content: keepContent ? node.content : nil,
                          incomplete: missing != nil))
        return missing
    }

    private mutating func packNumber(_ location: BlobLocation) -> UInt32 {
        if let number = packNumbers[location.pack] { return number }
        let number = UInt32(packs.count)
        packs.append(Pack(id: location.pack, type: location.type))
        packNumbers[location.pack] = number
        return number
    }

    /// Sorts the pieces by pack, then by offset in the pack and in its segment (so a pack is
    /// read front to back, a segment's members in order, and copies of one blob are
    /// neighbours), and notes each pack's range.
    mutating func groupByPack() {
        pieces.sort {
            ($0.pack, $0.packOffset, $0.segmentStart, $0.file, $0.fileOffset) < ($1.pack, $1.packOffset, $1.segmentStart, $1.file, $1.fileOffset)
        }
        var start = 0
        while start < pieces.count {
            let pack = pieces[start].pack
            var end = start + 1
            while end < pieces.count && pieces[end].pack == pack { end += 1 }
            packs[Int(pack)].pieces = start..<end
            start = end
        }
        packNumbers = [:]
    }
}
