import Foundation
@testable import Storage
import TestSupport

/// S3 backends for tests, on the suite's moto server (directly or through a `FaultProxy`),
/// with the test credentials and nothing of the test process's environment.
enum S3TestBackends {
    /// Settings for tests: quick retries, and a budget of 20 s rather than 10 minutes, so
    /// that a test of exhausted retries takes seconds.
    static func configuration(_ adjust: (inout S3Configuration) -> Void = { _ in }) -> S3Configuration {
        var configuration = S3Configuration()
        configuration.retry.baseWait = 0.01
        configuration.retry.maxWait = 0.1
        configuration.retry.budget = 20
        configuration.requestTimeout = 30
        adjust(&configuration)
        return configuration
    }

    /// The location of `bucket`/`prefix` at `endpoint` (`http://127.0.0.1:PORT`).
    static func url(endpoint: String, bucket: String, prefix: String) -> String {
        "s3:\(endpoint)/\(bucket)\(prefix.isEmpty ? "" : "/" + prefix)"
    }

    /// A backend on a new bucket of `server` (or on `bucket`), talking to `endpoint` (the
    /// server's, unless a proxy's is given).
    static func backend(on server: MotoServer, bucket: String? = nil, prefix: String = "repository",
                        endpoint: String? = nil, configuration: S3Configuration = configuration()) throws -> S3Backend {
        let bucket = try bucket ?? server.makeBucket()
        return try S3Backend(url: url(endpoint: endpoint ?? server.endpoint, bucket: bucket, prefix: prefix),
                             configuration: configuration, environment: MotoServer.environment)
    }
}
