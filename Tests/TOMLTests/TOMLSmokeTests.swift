import XCTest
@testable import TOML

final class TOMLSmokeTests: XCTestCase {
    func testEmpty() throws { XCTAssertTrue(try TOML.parse("", file: "x").keys.isEmpty) }
}
