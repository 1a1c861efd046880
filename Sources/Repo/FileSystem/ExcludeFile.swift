#if canImport(Glibc)
import Glibc
#endif
import Posix

extension ExcludePattern {
    /// The patterns of an `--exclude-file`: one per line; lines starting with `#` and lines
    /// that are blank are ignored; whitespace around a pattern is dropped (a pattern can say
    /// `[ ]` for a space at either end), and so is the `\r` of a file written on Windows.
    /// The file is read as bytes, so patterns for names that are not UTF-8 can be written.
    public static func read(excludeFile path: String) throws(FileSystemError) -> [ExcludePattern] {
        do throws(Errno) {
            return parse(excludeFile: try readFile(FilePath(path)))
        } catch {
            throw error.error("read exclude file", path)
        }
    }

    static func parse(excludeFile contents: [UInt8]) -> [ExcludePattern] {
        contents.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let pattern = line.drop(while: isWhitespace).reversed().drop(while: isWhitespace).reversed()
            guard let first = pattern.first, first != UInt8(ascii: "#") else { return nil }
            return ExcludePattern(bytes: Array(pattern))
        }
    }
}

private func isWhitespace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
}

/// The whole content of a (small) file.
private func readFile(_ path: FilePath) throws(Errno) -> [UInt8] {
    let file = try withNULTerminated(path.bytes) { path throws(Errno) in
        try FileDescriptor.workingDirectory.openEntry(path, flags: O_RDONLY)
    }
    defer { try? file.close() }
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = try chunk.withUnsafeMutableBytes { chunk in Result { () throws(Errno) in try file.read(into: chunk) } }.get()
        if count == 0 { return contents }
        contents += chunk[..<count]
    }
}
