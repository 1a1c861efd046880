import Foundation
@testable import Storage
import TestSupport
import Testing

/// The backend conformance suite against `SFTPBackend` on a real OpenSSH server started for
/// each check (`SSHServer`), each check in a fresh repository directory.
@Test(.enabled(if: !SFTPTestServer.unavailable, "needs OpenSSH's sshd and ssh (scripts/setup.sh installs them)"),
      arguments: BackendConformance.Check.allCases)
func sftpBackendConforms(_ check: BackendConformance.Check) throws {
    let server = try SFTPTestServer()
    defer { server.stop() }
    try BackendConformance(makeBackend: { try server.create() }).run(check)
}
