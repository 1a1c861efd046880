import Testing
@testable import Repo

@Suite struct FilePathTests {
    @Test func appendingJoinsWithOneSlash() {
        #expect(FilePath("/srv/app").appending(Array("x".utf8)) == FilePath("/srv/app/x"))
        #expect(FilePath("/srv/app/").appending(Array("x".utf8)) == FilePath("/srv/app/x"))
        #expect(FilePath("/").appending(Array("etc".utf8)) == FilePath("/etc"))
        #expect(FilePath("a").appending(Array("b".utf8)) == FilePath("a/b"))
    }

    @Test func childrenOfTheCurrentDirectoryAreJustTheirNames() {
        #expect(FilePath(".").appending(Array("src".utf8)) == FilePath("src"))
    }

    @Test func nameIsTheLastComponent() {
        #expect(FilePath("/srv/app/x.log").name == Array("x.log".utf8))
        #expect(FilePath("/srv/app/").name == Array("app".utf8))
        #expect(FilePath("plain").name == Array("plain".utf8))
        #expect(FilePath("/").name == [])
    }

    @Test func invalidUTF8SurvivesAndIsShownEscaped() {
        let path = FilePath(bytes: Array("/d/caf".utf8) + [0xE9] + Array(".txt".utf8))
        #expect(path.string == nil)
        #expect(path.description == "/d/caf\\xE9.txt")
        #expect(path.appending([0xFF]).bytes == path.bytes + [0x2F, 0xFF])
        #expect(path.name == Array("caf".utf8) + [0xE9] + Array(".txt".utf8))
    }

    @Test func controlCharactersAreEscapedSoMessagesStayOneLine() {
        #expect(FilePath("/d/new\nline").description == "/d/new\\x0Aline")
        #expect(FilePath("/d/tab\there").description == "/d/tab\\x09here")
    }

    @Test func validUTF8IsShownAsItIs() {
        #expect(FilePath("/srv/café/ünïcödé ✓").description == "/srv/café/ünïcödé ✓")
        #expect(FilePath("/srv/café").string == "/srv/café")
    }

    @Test func aTruncatedSequenceIsEscapedByteByByte() {
        // "é" is C3 A9; C3 alone, then ASCII, is invalid.
        #expect(FilePath.display([0x61, 0xC3, 0x62]) == "a\\xC3b")
        #expect(FilePath.display([0xE2, 0x82]) == "\\xE2\\x82")
    }
}
