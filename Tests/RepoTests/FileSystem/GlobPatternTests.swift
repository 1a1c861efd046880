import Testing
@testable import Repo

@Suite struct GlobPatternTests {
    private func matches(_ pattern: String, _ subject: String) -> Bool {
        GlobPattern(Array(pattern.utf8)).matches(Array(subject.utf8))
    }

    @Test(arguments: [
        ("abc", "abc", true), ("abc", "abd", false), ("abc", "ab", false), ("", "", true), ("", "a", false),
        ("*.log", "x.log", true), ("*.log", ".log", true), ("*.log", "x.log.gz", false), ("*.log", "a/x.log", false),
        ("*", "", true), ("*", "anything", true), ("*", "a/b", false),
        ("a*b*c", "abc", true), ("a*b*c", "aXXbYYc", true), ("a*b*c", "aXXbYY", false),
        ("?", "a", true), ("?", "", false), ("?", "ab", false), ("?", "/", false), ("a?c", "abc", true),
        ("**", "a/b/c", true), ("**", "", true), ("a**z", "a/b/z", true), ("a**z", "az", true),
        ("**/x", "x", true), ("**/x", "a/b/x", true), ("**/x", "a/bx", false),
        ("a/**/b", "a/b", true), ("a/**/b", "a/x/b", true), ("a/**/b", "a/x/y/b", true), ("a/**/b", "ab", false),
        ("a/**/b", "a/xb", false), ("a/**", "a/b/c", true), ("a/**", "a", false),
        ("/srv/*/cache", "/srv/app/cache", true), ("/srv/*/cache", "/srv/a/b/cache", false),
        ("[abc]", "b", true), ("[abc]", "d", false), ("[a-c]x", "cx", true), ("[a-c]x", "dx", false),
        ("[!abc]", "d", true), ("[!abc]", "a", false), ("[^abc]", "d", true), ("[!a]", "/", false), ("[/]", "/", false),
        ("[]]", "]", true), ("[!]]", "a", true), ("[!]]", "]", false), ("[a-]", "-", true),
        ("[", "[", true), ("[ab", "[ab", true), ("a[", "a[", true),
        ("\\*", "*", true), ("\\*", "a", false), ("\\?x", "?x", true), ("a\\", "a\\", true),
        ("café", "café", true), ("caf?", "café", true), ("caf[éè]", "cafè", true), ("caf[!é]", "café", false),
        ("*é", "café", true), ("??", "é", false),
    ])
    func wildcards(_ pattern: String, _ subject: String, _ expected: Bool) {
        #expect(matches(pattern, subject) == expected, "\(pattern) ~ \(subject)")
    }

    @Test func invalidUTF8BytesAreSingleCharacters() {
        let latin1Name: [UInt8] = Array("caf".utf8) + [0xE9]
        #expect(GlobPattern(Array("caf?".utf8)).matches(latin1Name))
        #expect(GlobPattern(Array("*".utf8)).matches(latin1Name))
        #expect(GlobPattern(Array("caf".utf8) + [0xE9]).matches(latin1Name))
        #expect(!GlobPattern(Array("café".utf8)).matches(latin1Name))
        #expect(GlobPattern(Array("*".utf8) + [0xE9]).matches(latin1Name))
        // The byte E9 and the character U+00E9 are different characters.
        #expect(!GlobPattern(Array("caf".utf8) + [0xE9]).matches(Array("café".utf8)))
    }

    @Test func manyStarsDoNotBacktrackExponentially() {
        let pattern = String(repeating: "*a", count: 30) + "b"
        let subject = String(repeating: "a", count: 4000)
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(!matches(pattern, subject)) }
        #expect(elapsed < .seconds(2))
    }
}
