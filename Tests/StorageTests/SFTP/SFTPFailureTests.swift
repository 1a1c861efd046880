@testable import Storage
import Testing

/// What ssh's end before the server's VERSION means, from what OpenSSH prints.
struct SFTPFailureTests {
    @Test func hostKeysAndAuthenticationAreNeverRetried() {
        let changed = "@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n...\nHost key verification failed.\n"
        let unknown = "No ED25519 host key is known for [h]:22 and you have requested strict checking.\nHost key verification failed.\n"
        let denied = "u@h: Permission denied (publickey).\n"
        guard case .refused(let mismatch) = SFTPFailure.sshEnded(status: 255, stderr: changed, host: "u@h") else {
            Issue.record("a changed host key is retried")
            return
        }
        #expect(mismatch.contains("does not match"))
        guard case .refused(let unknownMessage) = SFTPFailure.sshEnded(status: 255, stderr: unknown, host: "u@h") else {
            Issue.record("an unknown host key is retried")
            return
        }
        #expect(unknownMessage.contains("is not known"))
        #expect(!SFTPFailure.sshEnded(status: 255, stderr: denied, host: "u@h").isRetryable)
    }

    @Test func theNetworkIsRetried() {
        #expect(SFTPFailure.sshEnded(status: 255, stderr: "ssh: connect to host h port 22: Connection refused\n", host: "h").isRetryable)
        #expect(SFTPFailure.sshEnded(status: 255, stderr: "ssh: Could not resolve hostname h: Temporary failure\n", host: "h").isRetryable)
        #expect(!SFTPFailure.sshEnded(status: 127, stderr: "sh: 1: nosuchssh: not found\n", host: "h").isRetryable)
    }
}
