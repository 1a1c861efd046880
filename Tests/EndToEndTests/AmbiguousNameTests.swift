import Foundation
import Testing

/// Issue 15 D18: `ls`, `ls --json` and `diff` never show two distinct names the same way.
@Suite struct AmbiguousNameTests {
    @Test func carriageReturnAndItsEscapeAreDistinct() throws {
        let workspace = try Workspace("ambiguous")
        defer { workspace.remove() }
        let source = workspace.path("src")
        let bytes = { (name: [UInt8]) in Array((source + "/").utf8) + name }
        try FS.mkdir(Array(source.utf8))
        try FS.writeFile(bytes([0x0D]), Array("cr\n".utf8))
        try FS.writeFile(bytes(Array("\\x0D".utf8)), Array("escape\n".utf8))
        try FS.writeFile(bytes(Array("\\x0d".utf8)), Array("escape\n".utf8))
        try FS.writeFile(bytes([0x61, 0xFF]), Array("latin\n".utf8))
        try FS.writeFile(bytes(Array("a\\xff".utf8)), Array("text\n".utf8))
        try workspace.initRepository()
        let first = try workspace.repo("snapshot", "--json", source)
        #expect(first.status == 0, "\(first)")
        let firstID = try #require(first.object["snapshot"] as? String)

        let ls = try workspace.repo("ls", "latest")
        #expect(ls.status == 0, "\(ls)")
        let lines = ls.stdoutLines.filter { $0.contains(source + "/") || $0.hasPrefix("\"" + source + "/") }
        #expect(lines.count == 5, "\(lines)")
        #expect(Set(lines).count == lines.count, "every name printed differently: \(lines)")
        #expect(lines.contains("\"\(source)/\\r\""), "\(lines)")
        #expect(lines.contains("\"\(source)/\\\\x0D\""), "\(lines)")
        #expect(lines.contains("\"\(source)/a\\xff\""), "\(lines)")

        let json = try workspace.repo("ls", "--json", "latest")
        #expect(json.status == 0, "\(json)")
        let entries = json.objectLines.filter { ($0["path"] as? String)?.hasPrefix(source + "/") == true }
        #expect(entries.count == 5, "\(json.out)")
        let paths = entries.map { ($0["path"] as? String ?? "") + ":" + ($0["path_bytes"] as? String ?? "") }
        #expect(Set(paths).count == 5, "\(paths)")
        #expect(entries.contains { $0["path"] as? String == source + "/\r" && $0["path_bytes"] == nil }, "\(entries)")
        #expect(entries.contains { $0["path"] as? String == source + "/\\x0D" }, "\(entries)")
        let raw = Data(bytes([0x61, 0xFF])).base64EncodedString()
        #expect(entries.contains { $0["path_bytes"] as? String == raw }, "\(entries)")

        try FS.writeFile(bytes([0x0D]), Array("cr changed\n".utf8))
        try FS.writeFile(bytes(Array("\\x0D".utf8)), Array("escape changed, longer\n".utf8))
        let second = try workspace.repo("snapshot", "--json", source)
        let secondID = try #require(second.object["snapshot"] as? String)
        let diff = try workspace.repo("diff", firstID, secondID)
        #expect(diff.status == 0, "\(diff)")
        #expect(diff.out.contains("\"\(source)/\\r\""), "\(diff)")
        #expect(diff.out.contains("\"\(source)/\\\\x0D\""), "\(diff)")
    }
}
