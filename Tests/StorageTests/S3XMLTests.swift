import Foundation
@testable import Storage
import Testing

/// Answers the `s3-xml` fuzz target found unsafe (Fuzz/README.md), kept as regressions.
struct S3XMLTests {
    /// FoundationXML traps on an element name that is not UTF-8 (it force-unwraps the
    /// name's string), so such a body crashed whatever read it: an error answer, a listing.
    /// Run in a child process, where a crash fails the test instead of ending the run.
    @Test func bodyThatIsNotUTF8IsNoDocument() async {
        await #expect(processExitsWith: .success) {
            let body: [UInt8] = [0x3C, 0x61, 0xC0, 0xC0, 0x2F, 0x3E]  // "<a\xC0\xC0/>"
            guard S3XML.leaves(body).isEmpty, S3XML.first("Code", in: body) == nil else { exit(3) }
        }
    }

    /// FoundationXML takes the length of a processing instruction's data without looking
    /// for none, and crashed on `<?t?>`. S3 sends no processing instruction and no DTD.
    @Test func processingInstructionIsNoDocument() async {
        await #expect(processExitsWith: .success) {
            let body = Array("<a><?t?></a>".utf8)
            guard S3XML.leaves(body).isEmpty else { exit(3) }
        }
        let doctype = "<!DOCTYPE a [<!ENTITY e \"x\">]><Error><Code>&e;</Code></Error>"
        #expect(S3XML.first("Code", in: Array(doctype.utf8)) == nil)
    }

    @Test func declarationAndEntitiesAreRead() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult><Contents><Key>a&amp;b&#x41;</Key><Size>3</Size></Contents></ListBucketResult>
            """
        let page = S3XML.listPage(Array(body.utf8))
        #expect(page.objects.map(\.key) == ["a&bA"])
        #expect(page.objects.map(\.size) == [3])
    }

    /// A listed size is what reads are ranged by (`0..<size`): a negative one reads as 0,
    /// as an unreadable one does, never as a range that cannot be formed.
    @Test func negativeSizeIsListedAsZero() {
        let body = "<ListBucketResult><Contents><Key>a</Key><Size>-5</Size></Contents></ListBucketResult>"
        let page = S3XML.listPage(Array(body.utf8))
        #expect(page.objects.map(\.key) == ["a"])
        #expect(page.objects.map(\.size) == [0])
    }
}
