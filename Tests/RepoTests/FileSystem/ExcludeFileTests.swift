import Glibc
import Testing
@testable import Repo

@Suite struct ExcludeFileTests {
    @Test func commentsBlankLinesAndSurroundingWhitespaceAreIgnored() {
        let contents = "# caches\n*.tmp\n\n   \n  node_modules  \r\n\t/srv/app/cache/\n#not a pattern\n"
        let patterns = ExcludePattern.parse(excludeFile: Array(contents.utf8))
        #expect(patterns.map(\.bytes) == [Array("*.tmp".utf8), Array("node_modules".utf8), Array("/srv/app/cache/".utf8)])
    }

    @Test func patternsMayBeBytesThatAreNotUTF8() {
        let contents: [UInt8] = Array("caf".utf8) + [0xE9] + Array("\n".utf8)
        #expect(ExcludePattern.parse(excludeFile: contents).map(\.bytes) == [Array("caf".utf8) + [0xE9]])
    }

    @Test func readsAFile() throws {
        let directory = try ScratchTree()
        try directory("excludes").writeFile("*.log\n# comment\n/srv/x\n")
        let patterns = try ExcludePattern.read(excludeFile: directory("excludes").string!)
        #expect(patterns == [ExcludePattern("*.log"), ExcludePattern("/srv/x")])
    }

    @Test func aMissingFileIsAnErrorNamingIt() throws {
        let directory = try ScratchTree()
        let path = directory("missing").string!
        #expect(throws: FileSystemError.system(operation: "read exclude file", path: path, errno: ENOENT)) {
            try ExcludePattern.read(excludeFile: path)
        }
        let error = FileSystemError.system(operation: "read exclude file", path: path, errno: ENOENT)
        #expect(error.description == "cannot read exclude file \(path): No such file or directory")
    }
}
