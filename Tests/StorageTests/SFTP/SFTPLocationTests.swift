@testable import Storage
import Testing

/// restic's SFTP location forms.
struct SFTPLocationTests {
    @Test func readsTheScpForm() throws {
        let location = try SFTPLocation(parsing: "sftp:alice@example.org:/srv/repo/")
        #expect(location.user == "alice" && location.host == "example.org" && location.port == nil && location.path == "/srv/repo")
        #expect(location.sshCommand().suffix(5) == ["-l", "alice", "example.org", "-s", "sftp"])
        #expect(try SFTPLocation(parsing: "sftp:host:backups").path == "backups")
        #expect(try SFTPLocation(parsing: "sftp:[::1]:/r").host == "::1")
    }

    @Test func readsTheURLFormAsResticDoes() throws {
        let location = try SFTPLocation(parsing: "sftp://bob@host:2222//srv/repo")
        #expect(location.user == "bob" && location.host == "host" && location.port == 2222 && location.path == "/srv/repo")
        #expect(location.sshCommand().contains("2222"))
        #expect(location.description == "sftp://bob@host:2222//srv/repo")
        #expect(try SFTPLocation(parsing: "sftp://host/repo").path == "repo")
        #expect(try SFTPLocation(parsing: "sftp://host/~/repo").path == "repo")
        #expect(try SFTPLocation(parsing: "sftp://[::1]:22//r").host == "::1")
    }

    @Test func refusesWhatSshWouldMisread() {
        for bad in ["sftp:host", "sftp://-oProxyCommand=x/r", "sftp:-oProxyCommand=x:/r", "sftp://host:99999//r", "sftp:@host:/r"] {
            #expect(throws: BackendError.self, "\(bad)") { try SFTPLocation(parsing: bad) }
        }
    }
}
