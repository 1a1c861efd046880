import XCTest
@testable import Jobs

final class DatabaseSourceTests: XCTestCase {
    func testSnapshotPathsAreStablePerKind() {
        XCTAssertEqual(DatabaseSource(kind: .postgres, name: "shop").snapshotPath, "/databases/postgres/shop.sql")
        XCTAssertEqual(DatabaseSource(kind: .mysql, name: "wp").snapshotPath, "/databases/mysql/wp.sql")
        XCTAssertEqual(DatabaseSource(kind: .sqlite, name: "app").snapshotPath, "/databases/sqlite/app.db")
        XCTAssertEqual(DatabaseSource(kind: .command, name: "turso").snapshotPath, "/databases/command/turso.dump")
        XCTAssertEqual(DatabaseSource(kind: .postgres, name: "shop", database: "shop_prod").databaseName, "shop_prod")
    }
}
