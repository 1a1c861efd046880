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
        #expect(path.description == "\"/d/caf\\xe9.txt\"")
        #expect(path.appending([0xFF]).bytes == path.bytes + [0x2F, 0xFF])
        #expect(path.name == Array("caf".utf8) + [0xE9] + Array(".txt".utf8))
    }

    @Test func controlCharactersAreEscapedSoMessagesStayOneLine() {
        #expect(FilePath("/d/new\nline").description == "\"/d/new\\nline\"")
        #expect(FilePath("/d/tab\there").description == "\"/d/tab\\there\"")
        #expect(FilePath("/d/bell\u{07}").description == "\"/d/bell\\x07\"")
    }

    @Test func distinctNamesAreNeverShownTheSame() {
        let names = [FilePath("/d/\r"), FilePath("/d/\\x0D"), FilePath("/d/\\r"), FilePath("/d/\"\\r\""),
                     FilePath(bytes: Array("/d/".utf8) + [0xFF]), FilePath("/d/\\xff"), FilePath("/d/\\")]
        #expect(Set(names.map(\.description)).count == names.count, "\(names.map(\.description))")
        #expect(FilePath("/d/\r").description == "\"/d/\\r\"")
        #expect(FilePath("/d/\\x0D").description == "\"/d/\\\\x0D\"")
    }

    @Test func validUTF8IsShownAsItIs() {
        #expect(FilePath("/srv/café/ünïcödé ✓").description == "/srv/café/ünïcödé ✓")
        #expect(FilePath("/srv/café").string == "/srv/café")
    }

    @Test func aTruncatedSequenceIsEscapedByteByByte() {
        // "é" is C3 A9; C3 alone, then ASCII, is invalid.
        #expect(FilePath.display([0x61, 0xC3, 0x62]) == "\"a\\xc3b\"")
        #expect(FilePath.display([0xE2, 0x82]) == "\"\\xe2\\x82\"")
    }
}
