/// Quoted-printable (RFC 2045) for a mail body: lines ending in CRLF, none longer than 76
/// characters, every byte outside printable ASCII as =XX.
enum QuotedPrintable {
    static func encode(_ bytes: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        var lineLength = 0
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0A {
                output += [0x0D, 0x0A]
                lineLength = 0
                continue
            }
            if byte == 0x0D { continue }  // line ends are written as CRLF above
            let nextIsLineEnd = index + 1 == bytes.count || bytes[index + 1] == 0x0A || bytes[index + 1] == 0x0D
            // Space and tab stay literal except at a line's end, where transports strip them.
            let literal = (byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "=")) || ((byte == 0x20 || byte == 0x09) && !nextIsLineEnd)
            let encoded: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            if lineLength + encoded.count > 75 {
                output += [UInt8(ascii: "="), 0x0D, 0x0A]  // soft line break
                lineLength = 0
            }
            output += encoded
            lineLength += encoded.count
        }
        return String(decoding: output, as: UTF8.self)
    }
}
