import Testing

/// Starts one moto server for the suite it is given to (or the test, if given to one) and
/// stops it when the suite is done: `@Suite(.motoServer)`, then `MotoServer.suiteServer()`.
public struct MotoServerTrait: SuiteTrait, TestTrait, TestScoping {
    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try MotoServer.start()
        defer { server.stop() }
        try await MotoServer.$current.withValue(server) {
            try await function()
        }
    }
}

extension Trait where Self == MotoServerTrait {
    /// One moto server for the whole suite (see `MotoServer`).
    public static var motoServer: Self { Self() }
}
