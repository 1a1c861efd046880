import XCTest
import Foundation
@testable import TOML

/// The deepest nesting the reader accepts must parse, compare and be freed without
/// exhausting a small thread stack: decoders may run on worker threads.
final class TOMLNestingTests: XCTestCase {
    func testDeepestAcceptedNestingFitsA512KiBStack() {
        let arrays = "a = " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let inline = "b = " + String(repeating: "{c=", count: 63) + "{}" + String(repeating: "}", count: 63)
        let key = Array(repeating: "k", count: 62).joined(separator: ".")
        let headers = "[\(key)]\nz = [[1]]"
        let documents = [arrays, inline, headers]

        let done = expectation(description: "parsed on a small stack")
        let results = ResultBox()
        let thread = Thread {
            for text in documents {
                do {
                    let first = try TOML.parse(text, file: "deep.toml")
                    let second = try TOML.parse(text, file: "deep.toml")
                    results.append(first == second ? "equal" : "different")
                } catch {
                    results.append("\(error)")
                }
            }
            done.fulfill()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        wait(for: [done], timeout: 10)
        XCTAssertEqual(results.values, ["equal", "equal", "equal"])
    }
}

/// Collects results from the test's worker thread; the lock makes that hand-over safe.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    func append(_ value: String) { lock.withLock { stored.append(value) } }
    var values: [String] { lock.withLock { stored } }
}
