import TestSupport
import Testing

/// The backend conformance suite against `S3Backend` on a local moto server (one server
/// for the suite, a new bucket per check). Multipart uploads start above 8 MiB here, in
/// parts of 5 MiB (S3's smallest), so the suite's 5 MiB objects go up in one PUT and its
/// 12 MiB object (`largeObject`) in three parts.
@Suite(.motoServer)
struct S3BackendConformanceTests {
    static let configuration = S3TestBackends.configuration {
        $0.multipartThreshold = 8 << 20
        $0.partSize = 5 << 20
    }

    @Test(arguments: BackendConformance.Check.allCases)
    func s3BackendConforms(_ check: BackendConformance.Check) throws {
        let moto = try MotoServer.suiteServer()
        try BackendConformance(makeBackend: {
            try S3TestBackends.backend(on: moto, prefix: "conformance/\(check.rawValue)", configuration: Self.configuration)
        }).run(check)
    }
}
