/// The path of the directory a depth-first walk is in, as one buffer that grows by a name on
/// the way down and shrinks on the way up.
///
/// A walk that kept each open directory's whole path would hold memory quadratic in the depth
/// (a path of 10,000 one-letter names is 20 KB, and there are 10,000 of them); this holds the
/// deepest path once, plus one offset a level.
struct PathStack {
    private var bytes: [UInt8]
    /// Before each `push`: the length of `bytes`, or -1 when it was `.` (which a name replaces).
    private var marks: [Int] = []

    init(_ root: FilePath) {
        bytes = root.bytes
    }

    /// The current directory's path.
    var path: FilePath { FilePath(bytes: bytes) }

    /// How many names were pushed and not popped.
    var depth: Int { marks.count }

    /// The path of the entry `name` in the current directory (as `FilePath.appending`).
    func child(_ name: [UInt8]) -> FilePath { path.appending(name) }

    /// Goes down into `name`.
    mutating func push(_ name: [UInt8]) {
        if bytes.isEmpty || bytes == [UInt8(ascii: ".")] {
            marks.append(bytes.isEmpty ? 0 : -1)
            bytes = name
            return
        }
        marks.append(bytes.count)
        if bytes.last != FilePath.separator { bytes.append(FilePath.separator) }
        bytes += name
    }

    /// Goes back up to the directory before the last `push`.
    mutating func pop() {
        let mark = marks.removeLast()
        if mark < 0 {
            bytes = [UInt8(ascii: ".")]
        } else {
            bytes.removeSubrange(mark...)
        }
    }
}
