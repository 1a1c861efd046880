/// A shell-style wildcard pattern matched against path bytes: `*` any characters but `/`,
/// `**` any characters including `/`, `**/` any number of whole directories (also none), `?`
/// one character but `/`, `[abc]`, `[a-z]`, `[!abc]` or `[^abc]` one character of (or not
/// of) a class, never `/`, and `\` makes the next character literal. An unclosed `[` is a
/// literal.
///
/// fnmatch(3) has no `**`, so this is its own matcher. It works on bytes because names are
/// bytes: a character is a UTF-8 sequence where the bytes are valid UTF-8 and a single byte
/// where they are not, so `?` matches `é` whole and also a stray Latin-1 byte. Matching is a
/// set-of-positions automaton, linear in the path length for each pattern element, so no
/// pattern can make it backtrack exponentially.
struct GlobPattern: Sendable, Equatable {
    private enum Element: Sendable, Equatable {
        /// A literal character, as `character(_:at:)` decodes it.
        case character(UInt32)
        /// `?`
        case anyCharacter
        /// `[...]`
        case characterClass(ranges: [ClosedRange<UInt32>], negated: Bool)
        /// `*`
        case anyRun
        /// `**`
        case anyPath
        /// `**/`
        case anyDirectories
    }

    private static let slash = UInt32(FilePath.separator)

    private let elements: [Element]
    /// The pattern's bytes when it has no wildcards, to compare without the automaton.
    private let literal: [UInt8]?

    init(_ pattern: [UInt8]) {
        var elements: [Element] = []
        var position = 0
        while position < pattern.count {
            let (character, length) = GlobPattern.character(pattern, at: position)
            switch character {
            case UInt32(UInt8(ascii: "*")):
                if position + 1 < pattern.count, pattern[position + 1] == UInt8(ascii: "*") {
                    if position + 2 < pattern.count, pattern[position + 2] == FilePath.separator {
                        elements.append(.anyDirectories)
                        position += 3
                    } else {
                        elements.append(.anyPath)
                        position += 2
                    }
                } else {
                    elements.append(.anyRun)
                    position += 1
                }
            case UInt32(UInt8(ascii: "?")):
                elements.append(.anyCharacter)
                position += 1
            case UInt32(UInt8(ascii: "[")):
                if let (element, end) = GlobPattern.characterClass(pattern, at: position + 1) {
                    elements.append(element)
                    position = end
                } else {
                    elements.append(.character(character))
                    position += 1
                }
            case UInt32(UInt8(ascii: "\\")) where position + 1 < pattern.count:
                let (escaped, escapedLength) = GlobPattern.character(pattern, at: position + 1)
                elements.append(.character(escaped))
                position += 1 + escapedLength
            default:
                elements.append(.character(character))
                position += length
            }
        }
        self.elements = elements
        self.literal = elements.allSatisfy({ if case .character = $0 { true } else { false } })
            ? elements.flatMap { element in
                guard case .character(let value) = element else { return [UInt8]() }
                return GlobPattern.encode(value)
            }
            : nil
    }

    /// The class starting after its `[` at `start`, and the position after its `]`; nil if it
    /// is never closed. A `]` right after `[` or `[!` belongs to the class.
    private static func characterClass(_ pattern: [UInt8], at start: Int) -> (Element, Int)? {
        var position = start
        var negated = false
        if position < pattern.count, pattern[position] == UInt8(ascii: "!") || pattern[position] == UInt8(ascii: "^") {
            negated = true
            position += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while position < pattern.count {
            if pattern[position] == UInt8(ascii: "]") && !first {
                return (.characterClass(ranges: ranges, negated: negated), position + 1)
            }
            first = false
            var (low, length) = GlobPattern.character(pattern, at: position)
            if low == UInt32(UInt8(ascii: "\\")), position + 1 < pattern.count {
                position += 1
                (low, length) = GlobPattern.character(pattern, at: position)
            }
            position += length
            if position + 1 < pattern.count, pattern[position] == UInt8(ascii: "-"), pattern[position + 1] != UInt8(ascii: "]") {
                let (high, highLength) = GlobPattern.character(pattern, at: position + 1)
                position += 1 + highLength
                if low <= high { ranges.append(low...high) }
            } else {
                ranges.append(low...low)
            }
        }
        return nil
    }

    func matches(_ subject: [UInt8]) -> Bool {
        if let literal { return literal == subject }
        let count = subject.count
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: 2 * (count + 1)) { storage in
            storage.initialize(repeating: false)
            var current = UnsafeMutableBufferPointer(rebasing: storage[0...count])
            var next = UnsafeMutableBufferPointer(rebasing: storage[(count + 1)...])
            current[0] = true
            for element in elements {
                next.update(repeating: false)
                var position = 0
                // Positions only ever land on character boundaries, so walking them from 0
                // visits every position the set can hold.
                var active = false
                while position <= count {
                    let (character, length) = position < count ? GlobPattern.character(subject, at: position) : (0, 0)
                    let here = current[position]
                    switch element {
                    case .character(let expected):
                        if here, position < count, character == expected { next[position + length] = true }
                    case .anyCharacter:
                        if here, position < count, character != GlobPattern.slash { next[position + length] = true }
                    case .characterClass(let ranges, let negated):
                        if here, position < count, character != GlobPattern.slash,
                           ranges.contains(where: { $0.contains(character) }) != negated {
                            next[position + length] = true
                        }
                    case .anyRun:
                        if here { active = true }
                        if active { next[position] = true }
                        if character == GlobPattern.slash { active = false }
                    case .anyPath:
                        if here { active = true }
                        if active { next[position] = true }
                    case .anyDirectories:
                        if here { active = true; next[position] = true }
                        if active, position < count, character == GlobPattern.slash { next[position + 1] = true }
                    }
                    if position == count { break }
                    position += length
                }
                guard next.contains(true) else { return false }
                swap(&current, &next)
            }
            return current[count]
        }
    }
}

extension GlobPattern {
    /// The character at `position`: a Unicode scalar value where the bytes there are valid UTF-8,
    /// otherwise the single byte, as a value above the Unicode range (0x110000 + byte) so that
    /// it equals only itself. Returns the character and its length in bytes.
    static func character(_ bytes: [UInt8], at position: Int) -> (UInt32, Int) {
        let lead = bytes[position]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let invalid = (0x110000 + UInt32(lead), 1)
        let length: Int
        let minimum: UInt32
        switch lead {
        case 0xC2...0xDF: (length, minimum) = (2, 0x80)
        case 0xE0...0xEF: (length, minimum) = (3, 0x800)
        case 0xF0...0xF4: (length, minimum) = (4, 0x10000)
        default: return invalid
        }
        guard position + length <= bytes.count else { return invalid }
        var value = UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            let byte = bytes[position + offset]
            guard byte & 0xC0 == 0x80 else { return invalid }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { return invalid }
        return (value, length)
    }

    /// The bytes of a character as `character(_:at:)` returns it.
    private static func encode(_ value: UInt32) -> [UInt8] {
        if value >= 0x110000 { return [UInt8(value - 0x110000)] }
        return Unicode.Scalar(value).map { Array(String($0).utf8) } ?? []
    }
}
