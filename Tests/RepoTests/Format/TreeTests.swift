import Crypto
import Foundation
@testable import Repo
import Testing

/// Tree blobs: one directory's nodes.
@Suite struct TreeTests {
    static func node(_ name: [UInt8], _ type: FileType, seed: UInt64 = 1) -> Node {
        var generator = FormatFixtures.Generator(seed: seed)
        let metadata = FileMetadata(
            type: type, mode: 0o4755, uid: 1_000, gid: 4_294_967_294, user: "alice", group: "wheel",
            mtime: Timestamp(seconds: -1_234_567_890, nanoseconds: 999_999_999),
            ctime: Timestamp(seconds: 1_700_000_000, nanoseconds: 1), size: 1 << 40, inode: .max, device: 0xFD01,
            linkCount: 3, rdev: type == .characterDevice || type == .blockDevice ? 0x0103 : 0,
            linkTarget: type == .symlink ? [0x2E, 0x2E, 0x2F, 0xFF, 0x00, 0x41] : nil,
            xattrs: [ExtendedAttribute(name: "security.selinux", value: Array("system_u:object_r\0".utf8)),
                     ExtendedAttribute(name: "user.empty", value: []),
                     ExtendedAttribute(nameBytes: [0x75, 0x73, 0x65, 0x72, 0x2E, 0xFF], value: generator.bytes(300))])
        var node = Node(name: name, metadata: metadata)
        switch type {
        case .file:
            node.content = [.blob(generator.digest()), .hole(1 << 20), .blob(generator.digest()), .hole(.max), .blob(.zero), .hole(0)]
        case .directory:
            node.subtree = generator.digest()
        default:
            break
        }
        return node
    }

    /// One node of every type, with every field set, names that are not UTF-8 among them.
    static let nodes: [Node] = {
        var nodes = [
            node(Array("file.txt".utf8), .file, seed: 1),
            node([0xFF, 0xFE, 0x41], .file, seed: 2),  // not UTF-8
            node(Array("dir".utf8), .directory, seed: 3),
            node(Array("link ✓".utf8), .symlink, seed: 4),
            node(Array("tty".utf8), .characterDevice, seed: 5),
            node(Array("sda".utf8), .blockDevice, seed: 6),
            node(Array("fifo".utf8), .fifo, seed: 7),
            node(Array("sock".utf8), .socket, seed: 8),
            node([0x01, 0x7F, 0x80, 0x5C, 0x0A], .file, seed: 9),
            node(Array("empty-file".utf8), .file, seed: 10),
            node(Array("...".utf8), .directory, seed: 11),
        ]
        // No owner names (numeric ids only), no xattrs, no content.
        nodes[9].user = nil
        nodes[9].group = nil
        nodes[9].xattrs = []
        nodes[9].content = []
        nodes[7].group = nil
        return nodes
    }()

    static func sortedNodes(_ nodes: [Node]) -> [Node] { nodes.sorted { $0.name.lexicographicallyPrecedes($1.name) } }

    @Test func roundTripWithEveryFieldSet() throws {
        let tree = Tree(nodes: Self.nodes)
        let decoded = try Tree.decode(tree.encoded(), name: "tree")
        #expect(decoded.nodes.count == Self.nodes.count)
        #expect(decoded == Tree(nodes: Self.sortedNodes(Self.nodes)))
        // Field by field, so that a failure says which.
        for (got, want) in zip(decoded.nodes, Self.sortedNodes(Self.nodes)) {
            #expect(got.name == want.name)
            #expect(got.metadata == want.metadata, "\(want.displayName)")
            #expect(got.content == want.content, "\(want.displayName)")
            #expect(got.subtree == want.subtree, "\(want.displayName)")
        }
        #expect(decoded.nodes.first { $0.type == .symlink }?.linkTarget == [0x2E, 0x2E, 0x2F, 0xFF, 0x00, 0x41])
        #expect(decoded.nodes.first { $0.name == Array("empty-file".utf8) }?.user == nil)
        #expect(decoded.nodes.first { $0.name == Array("file.txt".utf8) }?.user == "alice")
        #expect(try Tree.decode(Tree(nodes: []).encoded(), name: "tree") == Tree(nodes: []))
    }

    @Test func encodingDoesNotDependOnInputOrder() throws {
        let reference = Tree(nodes: Self.sortedNodes(Self.nodes)).encoded()
        var generator = FormatFixtures.Generator(seed: 12)
        for _ in 0..<20 {
            #expect(Tree(nodes: Self.nodes.shuffled(using: &generator)).encoded() == reference)
        }
        #expect(Array(reference[0..<5]) == Array("RTRE".utf8) + [1])
        // Byte order, not string order: "B" (0x42) < "a" (0x61) < "é" (0xC3 0xA9) < 0xFF.
        let names: [[UInt8]] = [[0xFF], Array("é".utf8), Array("a".utf8), Array("B".utf8), Array("aa".utf8)]
        let decoded = try Tree.decode(Tree(nodes: names.map { Self.node($0, .fifo) }).encoded(), name: "tree")
        #expect(decoded.nodes.map(\.name) == [Array("B".utf8), Array("a".utf8), Array("aa".utf8), Array("é".utf8), [0xFF]])
    }

    /// A tree encoded with its nodes in the given order, unsorted and unchecked.
    static func raw(_ nodes: [Node]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.append(magic: Tree.magic)
        writer.append(Tree.version)
        writer.append(varint: nodes.count)
        for node in nodes { node.encode(into: &writer) }
        return writer.bytes
    }

    static func expectCorrupt(_ bytes: [UInt8], _ comment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do throws(FormatError) {
            let tree = try Tree.decode(bytes, name: "tree 1234")
            Issue.record(Comment(rawValue: "\(comment) decoded to \(tree.nodes.map(\.displayName))"), sourceLocation: sourceLocation)
        } catch {
            guard case .corrupt("tree 1234", _) = error else {
                Issue.record(Comment(rawValue: "\(comment): \(error)"), sourceLocation: sourceLocation)
                return
            }
        }
    }

    @Test func unsafeNamesAreRefused() throws {
        // The raw encoder is right: a safe name decodes.
        #expect(try Tree.decode(Self.raw([Self.node(Array("ok".utf8), .file)]), name: "tree").nodes.count == 1)
        let unsafe: [[UInt8]] = [[], Array(".".utf8), Array("..".utf8), Array("a/b".utf8), Array("/".utf8), Array("../x".utf8),
                                 [0x61, 0x00, 0x62], [0x00]]
        for name in unsafe {
            Self.expectCorrupt(Self.raw([Self.node(name, .file)]), "name \(name)")
            // Also when it is not the first entry.
            Self.expectCorrupt(Self.raw([Self.node([0x01], .fifo), Self.node(name, .fifo)]), "name \(name) after another")
        }
    }

    @Test func duplicatedOrUnsortedEntriesAreRefused() throws {
        let a = Self.node(Array("a".utf8), .file), b = Self.node(Array("b".utf8), .directory)
        #expect(try Tree.decode(Self.raw([a, b]), name: "tree").nodes.count == 2)
        Self.expectCorrupt(Self.raw([b, a]), "unsorted")
        Self.expectCorrupt(Self.raw([a, a]), "duplicated")
        Self.expectCorrupt(Self.raw([a, b, b]), "duplicated last")
        var otherA = a
        otherA.type = .fifo
        otherA.content = []
        Self.expectCorrupt(Self.raw([a, otherA]), "same name, different entry")
        Self.expectCorrupt(Self.raw([Self.node(Array("ab".utf8), .fifo), a]), "prefix after longer name")
    }

    @Test func unknownTypesAndPiecesAreRefused() throws {
        let file = Self.node(Array("f".utf8), .file)
        let bytes = Self.raw([file])
        // magic(4) version(1) count(1) name length(1) name(1) | type
        #expect(bytes[8] == FileType.file.rawValue)
        for type: UInt8 in [3, 8, 0x7F, 0xFF] {
            var mutated = bytes
            mutated[8] = type
            Self.expectCorrupt(mutated, "type \(type)")
        }
        // The content of this file ends with a hole of length 0: tag 1, varint 0.
        #expect(Array(bytes.suffix(2)) == [1, 0])
        var mutated = bytes
        mutated[mutated.count - 2] = 2
        Self.expectCorrupt(mutated, "content piece tag 2")
        // A user name that is not UTF-8.
        var writer = BinaryWriter()
        writer.append(data: Array("f".utf8))
        writer.append(FileType.fifo.rawValue)
        for _ in 0..<3 { writer.append(varint: 0) }
        writer.append(data: [0xC3, 0x28])
        var tree = Array("RTRE".utf8) + [1, 1] + writer.bytes
        writer = BinaryWriter()
        writer.append(string: "")
        for _ in 0..<2 {
            writer.append(int64: 0)
            writer.append(varint: 0)
        }
        for _ in 0..<5 { writer.append(varint: 0) }
        writer.append(data: [])
        writer.append(varint: 0)
        tree += writer.bytes
        Self.expectCorrupt(tree, "user not UTF-8")
        tree[tree.count - writer.bytes.count - 2] = UInt8(ascii: "o")
        tree[tree.count - writer.bytes.count - 1] = UInt8(ascii: "k")
        #expect(try Tree.decode(tree, name: "tree").nodes.first?.user == "ok", "the handmade encoding is otherwise valid")
    }

    @Test func everyTruncationIsCorrupt() async {
        if await #expect(processExitsWith: .success, performing: {
            FormatFixtures.finishChild(TreeTests.truncationFailures())
        }) == nil {
            FormatFixtures.recordChild(await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                FormatFixtures.finishChild(TreeTests.truncationFailures())
            })
        }
    }

    static func truncationFailures() -> [String] {
        let bytes = Tree(nodes: nodes).encoded()
        var failures = [String]()
        for length in 0..<bytes.count {
            do throws(FormatError) {
                _ = try Tree.decode(Array(bytes[..<length]), name: "tree")
                failures.append("truncated to \(length) of \(bytes.count) decoded")
            } catch {
                guard case .corrupt("tree", _) = error else { failures.append("truncated to \(length): \(error)"); continue }
            }
        }
        return failures
    }

    @Test func extendedOrMislabelledInputIsRefused() throws {
        let bytes = Tree(nodes: Self.nodes).encoded()
        Self.expectCorrupt(bytes + [0], "one trailing byte")
        var newer = bytes
        newer[4] = 2
        #expect(throws: FormatError.unsupportedVersion(object: "tree", version: 2, supported: 1)) { try Tree.decode(newer, name: "tree") }
        var wrongMagic = bytes
        wrongMagic[3] = UInt8(ascii: "X")
        Self.expectCorrupt(wrongMagic, "magic")
        // An entry count far beyond the bytes present.
        var writer = BinaryWriter()
        writer.append(magic: "RTRE")
        writer.append(1)
        writer.append(varint: UInt64.max)
        Self.expectCorrupt(writer.bytes + bytes[6...], "huge count")
    }

    /// Random changes to a valid tree: decoding refuses them or yields a tree that is still
    /// safe (valid names, strictly ordered), and never crashes.
    @Test func fuzzedTreesNeverCrash() async {
        if await #expect(processExitsWith: .success, performing: {
            FormatFixtures.finishChild(TreeTests.fuzzFailures())
        }) == nil {
            FormatFixtures.recordChild(await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
                FormatFixtures.finishChild(TreeTests.fuzzFailures())
            })
        }
    }

    static func fuzzFailures() -> [String] {
        let bytes = Tree(nodes: nodes).encoded()
        var generator = FormatFixtures.Generator(seed: 13)
        var failures = [String]()
        var thrown = 0
        for round in 0..<2_000 {
            var mutated = bytes
            for _ in 0..<(1 + generator.next() % 4) {
                mutated[5 + Int(generator.next() % UInt64(mutated.count - 5))] ^= UInt8(1 + generator.next() % 255)
            }
            if round % 2 == 1 { mutated.removeLast(Int(generator.next() % UInt64(mutated.count - 5))) }
            do throws(FormatError) {
                let tree = try Tree.decode(mutated, name: "tree")
                if !tree.nodes.allSatisfy({ RestoreTarget.isSafeName($0.name) }) { failures.append("round \(round): unsafe name") }
                if !zip(tree.nodes, tree.nodes.dropFirst()).allSatisfy({ $0.name.lexicographicallyPrecedes($1.name) }) {
                    failures.append("round \(round): unordered")
                }
            } catch {
                thrown += 1
            }
        }
        if thrown < 1_000 { failures.append("only \(thrown) inputs were refused") }
        return failures
    }
}
