import Crypto
import Testing

struct ConstantTimeEqualsTests {
    @Test(arguments: [
        ([1, 2, 3], [1, 2, 3], true),
        ([1, 2, 3], [1, 2, 4], false),
        ([9, 2, 3], [1, 2, 3], false),
        ([1, 2, 3], [1, 2], false),
        ([], [], true),
        ([], [0], false),
    ] as [([UInt8], [UInt8], Bool)])
    func comparesContentsAndLength(a: [UInt8], b: [UInt8], equal: Bool) {
        #expect(a.withUnsafeBytes { a in b.withUnsafeBytes { constantTimeEquals(a, $0) } } == equal)
    }
}
