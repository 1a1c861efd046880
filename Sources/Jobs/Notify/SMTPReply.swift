/// One reply of an SMTP server: the code and the text of every line (a multi-line reply,
/// "250-..." up to "250 ...", is one reply).
struct SMTPReply {
    let code: Int
    let lines: [String]

    /// For an error message: code and text on one line, cut short.
    var summary: String { String("\(code) \(lines.joined(separator: " "))".prefix(200)) }

    /// EHLO's keywords (upper case) and their parameters: "AUTH" -> ["PLAIN", "LOGIN"].
    var extensions: [String: [String]] {
        var found: [String: [String]] = [:]
        for line in lines.dropFirst() {  // the first line greets
            let words = line.split(separator: " ").map { $0.uppercased() }
            if let keyword = words.first { found[keyword] = Array(words.dropFirst()) }
        }
        return found
    }
}
