// Fuzz target `tree`: a tree blob's plaintext (after decryption and decompression).
// Bound: node and piece counts are checked against the bytes left before anything is
// reserved (16 bytes a node at least, 2 a piece).
@testable import Repo

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let tree = try? Tree.decode(bytes, name: "tree") else { return 0 }
    // Names are safe and strictly increasing, and what is accepted survives a round trip.
    for node in tree.nodes { precondition(RestoreTarget.isSafeName(node.name), "unsafe name accepted") }
    precondition(zip(tree.nodes, tree.nodes.dropFirst()).allSatisfy { $0.name.lexicographicallyPrecedes($1.name) })
    let again = try? Tree.decode(tree.encoded(), name: "tree")
    precondition(again == tree, "decode and encode do not round-trip")
    return 0
}
