import XCTest
@testable import TOML

final class TOMLPlaceholderTests: XCTestCase {
    func testModuleLoads() { XCTAssertNotNil(TOML.self) }
}
