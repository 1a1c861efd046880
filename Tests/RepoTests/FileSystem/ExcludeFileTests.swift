import Glibc
import Testing
@testable import Repo

@Suite struct ExcludeFileTests {
    @Test func commentsBlankLinesAndSurroundingWhitespaceAreIgnored() {
        let contents = "# caches\n*.tmp\n\n   \n  node_modules  \r\n\t/srv/app/cache/\n#not a pattern\n"
        let patterns = ExcludePattern.parse(excludeFile: bytes(contents))
        #expect(patterns.map(\.bytes) == [bytes("*.tmp"), bytes("node_modules"), bytes("/srv/app/cache/")])
    }

    @Test func patternsMayBeBytesThatAreNotUTF8() {
        let contents: [UInt8] = bytes("caf") + [0xE9] + bytes("\n")
        #expect(ExcludePattern.parse(excludeFile: contents).map(\.bytes) == [bytes("caf") + [0xE9]])
    }

    @Test func readsAFile() throws {
        let directory = try TemporaryDirectory()
        try writeFile(directory("excludes"), "*.log\n# comment\n/srv/x\n")
        let patterns = try ExcludePattern.read(excludeFile: directory("excludes").string!)
        #expect(patterns == [ExcludePattern("*.log"), ExcludePattern("/srv/x")])
    }

    @Test func aMissingFileIsAnErrorNamingIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory("missing").string!
        #expect(throws: FileSystemError.system(operation: "read exclude file", path: path, errno: ENOENT)) {
            try ExcludePattern.read(excludeFile: path)
        }
        let error = FileSystemError.system(operation: "read exclude file", path: path, errno: ENOENT)
        #expect(error.description == "cannot read exclude file \(path): No such file or directory")
    }
}
