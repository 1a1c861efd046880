import Foundation
@testable import Storage
import TestSupport
import Testing

/// The backend conformance suite against `LocalBackend`, each check in a fresh directory
/// (`S3BackendConformanceTests` runs the same checks against S3).
@Test(arguments: BackendConformance.Check.allCases)
func localBackendConforms(_ check: BackendConformance.Check) throws {
    let scratch = try ScratchDirectory()
    try BackendConformance(makeBackend: { try LocalBackend.create(at: "\(scratch.path)/\(UUID())") }).run(check)
}
