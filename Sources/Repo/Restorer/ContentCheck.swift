import Crypto
import Posix

/// Whether a file on disk holds exactly a node's content: each blob's range hashes to the
/// blob's id and holes read as zeros. Reading is far cheaper than fetching, decrypting and
/// writing, so a restore onto an existing tree only rewrites what differs; `--verify` reads
/// every written file back the same way.
///
/// Not thread-safe (the namer): one per thread.
struct ContentCheck {
    let repository: Repository
    let namer: BlobNamer

    /// Whether the open `file` (which this closes) holds `content`, `size` bytes in all.
    func matches(_ content: [ContentPiece], size: UInt64, file: FileDescriptor) -> Bool {
        defer { try? file.close() }
        guard let status = try? file.status(), UInt64(status.st_size) == size else { return false }
        var offset: UInt64 = 0
        var buffer = [UInt8]()
        for piece in content {
            switch piece {
            case .blob(let id):
                guard let location = repository.location(of: id) else { return false }
                let length = location.plaintextLength
                if buffer.count < length { buffer = [UInt8](repeating: 0, count: length) }
                let read = try? buffer.withUnsafeMutableBytes { (buffer) throws(Errno) in
                    try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<length]), at: Int(offset))
                }
                guard read == length else { return false }
                guard buffer.withUnsafeBytes({ namer.matches(UnsafeRawBufferPointer(rebasing: $0[..<length]), id) }) else { return false }
                offset += UInt64(length)
            case .hole(let length):
                var left = length
                while left > 0 {
                    let step = Int(min(left, 1 << 20))
                    if buffer.count < step { buffer = [UInt8](repeating: 0, count: step) }
                    let read = try? buffer.withUnsafeMutableBytes { (buffer) throws(Errno) in
                        try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<step]), at: Int(offset))
                    }
                    guard read == step, buffer[..<step].allSatisfy({ $0 == 0 }) else { return false }
                    offset += UInt64(step)
                    left -= UInt64(step)
                }
            }
        }
        return offset == size
    }
}
