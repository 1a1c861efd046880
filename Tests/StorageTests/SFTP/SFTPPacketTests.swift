@testable import Storage
import Testing

/// SFTP version 3 packets against bytes written out by hand from draft-ietf-secsh-filexfer-02.
struct SFTPPacketTests {
    @Test func encodesAnOpenRequest() {
        var writer = SFTPPacketWriter(.open, id: 7)
        writer.append("a/b")
        writer.append(SFTPOpenFlags([.write, .create, .exclusive]).rawValue)
        writer.append(SFTPAttributes(permissions: 0o600))
        #expect(writer.packet == [
            0, 0, 0, 24,  // length
            3,  // SSH_FXP_OPEN
            0, 0, 0, 7,  // id
            0, 0, 0, 3, 0x61, 0x2f, 0x62,  // "a/b"
            0, 0, 0, 0x2a,  // WRITE | CREAT | EXCL
            0, 0, 0, 4, 0, 0, 0x01, 0x80,  // ATTRS: permissions 0600
        ])
    }

    @Test func encodesAWriteWithA64BitOffset() {
        var writer = SFTPPacketWriter(.write, id: 1)
        writer.append([0xaa][...])
        writer.append(UInt64(0x1_0000_0002))
        writer.append([1, 2][...])
        #expect(writer.packet == [0, 0, 0, 24, 6, 0, 0, 0, 1, 0, 0, 0, 1, 0xaa,
                                  0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2])
    }

    @Test func decodesVersionWithExtensions() throws {
        let body: [UInt8] = [2, 0, 0, 0, 3,
                             0, 0, 0, 4] + Array("a@b".utf8) + [0x2e] + [0, 0, 0, 1, 0x31]
        // "a@b." as one name: the reader takes exactly the length given.
        let version = try SFTPVersion.decode(body[...])
        #expect(version == SFTPVersion(version: 3, extensions: ["a@b.": "1"]))
    }

    @Test func decodesStatusDataAndAttributes() throws {
        let status: [UInt8] = [101, 0, 0, 0, 9, 0, 0, 0, 2, 0, 0, 0, 2, 0x6e, 0x6f, 0, 0, 0, 0]
        #expect(try SFTPResponse.decode(status[...]) == (9, .status(code: 2, message: "no")))
        let data: [UInt8] = [103, 0, 0, 0, 4, 0, 0, 0, 3, 7, 8, 9]
        let decoded = try SFTPResponse.decode(data[...])
        #expect(decoded.id == 4 && decoded.response == .data([7, 8, 9][...]))
        let attributes: [UInt8] = [105, 0, 0, 0, 5, 0, 0, 0, 0x0d,  // SIZE | PERMISSIONS | ACMODTIME
                                   0, 0, 0, 0, 0, 0, 1, 0,  // size 256
                                   0, 0, 0x81, 0x80,  // 0100600: a regular file
                                   0, 0, 0, 1, 0x60, 0, 0, 0]  // atime, mtime
        let stat = try SFTPResponse.decode(attributes[...])
        #expect(stat.response == .attributes(SFTPAttributes(size: 256, permissions: 0o100600, modified: 0x6000_0000)))
        if case .attributes(let value) = stat.response { #expect(value.isRegularFile == true) }
    }

    @Test func decodesANameListing() throws {
        let entry: [UInt8] = [0, 0, 0, 1, 0x78, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5]
        let body: [UInt8] = [104, 0, 0, 0, 3, 0, 0, 0, 1] + entry
        #expect(try SFTPResponse.decode(body[...]).response == .names([SFTPDirectoryEntry(name: "x", attributes: SFTPAttributes(size: 5))]))
    }

    @Test func refusesShortAndLyingPackets() {
        #expect(throws: SFTPMalformed.self) { try SFTPResponse.decode([103, 0, 0, 0, 4, 0, 0, 0, 9, 1][...]) }
        #expect(throws: SFTPMalformed.self) { try SFTPResponse.decode([104, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff][...]) }
        #expect(throws: SFTPMalformed.self) { try SFTPResponse.decode([77, 0, 0, 0, 1][...]) }
        #expect(throws: SFTPMalformed.self) { try SFTPResponse.decode([][...]) }
    }
}
