import Foundation

/// Names of drill targets: recognisable (`repo_drill_`), the source's name, and unique.
enum ScratchName {
    /// `repo_drill_<name>_<pid>_<random>` in [a-z0-9_], short enough for any server's
    /// identifiers (63 bytes in PostgreSQL, 64 in MySQL).
    static func make(for name: String) -> String {
        let cleaned = String(name.lowercased().unicodeScalars.map { scalar -> Character in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
        }.prefix(24))
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return "repo_drill_\(cleaned)_\(getpid())_\(random)"
    }
}
