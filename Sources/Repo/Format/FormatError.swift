/// A repository object that cannot be understood or trusted.
public enum FormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The object (named by the first value) is damaged: decoding failed or its
    /// authentication tag did not match.
    case corrupt(String, String)
    /// The repository was written by a newer format than this program reads.
    case unsupportedVersion(object: String, version: Int, supported: Int)
    /// The repository's config names an algorithm (of `kind`: compression, cipher, ...)
    /// this program does not know: it was created by a newer version.
    case unsupportedAlgorithm(kind: String, name: String)
    /// No key file opens with the given password.
    case wrongPassword
    /// The repository has no key files at all.
    case noKeys

    public var description: String {
        switch self {
        case .corrupt(let object, let why): return "\(object) is damaged: \(why)"
        case .unsupportedVersion(let object, let version, let supported):
            return "\(object) has format version \(version), but this repo reads version \(supported) at most: upgrade repo"
        case .unsupportedAlgorithm(let kind, let name):
            return "the repository uses \(kind) \(name.debugDescription), which this repo does not know: upgrade repo"
        case .wrongPassword: return "wrong password: no key in the repository opens with it"
        case .noKeys: return "the repository has no keys"
        }
    }
}
