import Foundation
@testable import Storage
import Testing

/// S3's XML answers as `S3XMLLeafReader` reads them; the first tests keep what the
/// `s3-xml` fuzz target found unsafe (Fuzz/README.md) as regressions.
struct S3XMLTests {
    /// FoundationXML, which read these answers before, trapped on an element name that is
    /// not UTF-8 (it force-unwraps the name's string): such a body crashed whatever read it.
    /// Run in a child process, where a crash fails the test instead of ending the run.
    @Test func bodyThatIsNotUTF8IsNoDocument() async {
        await #expect(processExitsWith: .success) {
            let body: [UInt8] = [0x3C, 0x61, 0xC0, 0xC0, 0x2F, 0x3E]  // "<a\xC0\xC0/>"
            guard S3XML.leaves(body).isEmpty, S3XML.first("Code", in: body) == nil else { exit(3) }
        }
    }

    /// FoundationXML took the length of a processing instruction's data without looking
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

    /// What S3 and moto write besides plain elements: a namespace attribute, comments,
    /// CDATA, an empty element, references, white space between elements.
    @Test func readsWhatStoresWrite() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <IsTruncated>true</IsTruncated><NextKeyMarker><![CDATA[k<1>]]></NextKeyMarker><NextUploadIdMarker/>
              <Upload><UploadId>u1</UploadId><Key>a&#233;&apos;</Key><Initiated>2026-01-02T03:04:05.000Z</Initiated></Upload>
              <Upload id='2'><Key>b</Key><UploadId>u2</UploadId></Upload>
            </ListMultipartUploadsResult>
            """
        let page = S3XML.uploadsPage(Array(body.utf8))
        #expect(page.uploads == [S3XML.Upload(key: "aé'", id: "u1", initiated: "2026-01-02T03:04:05.000Z"),
                                 S3XML.Upload(key: "b", id: "u2", initiated: "")])
        #expect(page.next?.key == "k<1>")
        #expect(page.next?.uploadID == nil)
    }

    /// A document that goes wrong says what it said before: an error cut short still names
    /// its code; a tag closing another element, or an unknown entity, ends the reading.
    @Test func malformedDocumentsKeepTheLeavesBeforeTheFault() {
        #expect(S3XML.first("Code", in: Array("<Error><Code>SlowDown</Code><Message>Please".utf8)) == "SlowDown")
        #expect(S3XML.leaves(Array("<a><b>1</b><c>2</d><e>3</e></a>".utf8)).map(\.name) == ["b"])
        #expect(S3XML.leaves(Array("<a><b>&nbsp;</b><c>2</c></a>".utf8)).isEmpty)
        #expect(S3XML.leaves(Array("<a><b>&#0;</b></a>".utf8)).isEmpty)
    }

    /// A listed size is what reads are ranged by (`0..<size`): a negative one reads as 0,
    /// as an unreadable one does, never as a range that cannot be formed.
    @Test func negativeSizeIsListedAsZero() {
        let body = "<ListBucketResult><Contents><Key>a</Key><Size>-5</Size></Contents></ListBucketResult>"
        let page = S3XML.listPage(Array(body.utf8))
        #expect(page.objects.map(\.key) == ["a"])
        #expect(page.objects.map(\.size) == [0])
    }

    /// The storage class each listed object is in, which tells the objects that may need a
    /// thaw without a HEAD of each.
    @Test func storageClassIsListed() {
        let body = "<ListBucketResult><Contents><Key>a</Key><Size>1</Size><StorageClass>GLACIER</StorageClass></Contents>"
            + "<Contents><Key>b</Key><Size>2</Size></Contents></ListBucketResult>"
        let page = S3XML.listPage(Array(body.utf8))
        #expect(page.objects.map(\.storageClass) == ["GLACIER", nil])
        #expect(S3ArchiveHeaders.mayBeArchived(listedAs: "DEEP_ARCHIVE") && S3ArchiveHeaders.mayBeArchived(listedAs: "INTELLIGENT_TIERING"))
        #expect(!S3ArchiveHeaders.mayBeArchived(listedAs: "STANDARD") && !S3ArchiveHeaders.mayBeArchived(listedAs: "GLACIER_IR")
                && !S3ArchiveHeaders.mayBeArchived(listedAs: nil))
    }
}
