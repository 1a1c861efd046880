/// A bare mail address (`ops@example.com`) as it goes into MAIL FROM, RCPT TO and the
/// From and To headers.
enum MailAddress {
    /// One "@" between a non-empty local part and domain, and nothing that could end an
    /// SMTP command or a header, or open a display name: the address is used as written.
    static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return address.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && !"<>()[],;:\"\\".unicodeScalars.contains($0) }
    }
}
