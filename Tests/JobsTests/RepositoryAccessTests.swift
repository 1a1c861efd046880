import Foundation
import Jobs
import Repo
@testable import Storage
import Testing

/// `RepositoryAccess.opener`: a repository table's S3 settings and password source become
/// one `RepositoryOpener`, named after the table in its errors.
@Suite struct RepositoryAccessTests {
    private static func passwordFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "repo-access-\(getpid())-\(UUID().uuidString.prefix(8))"
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func theTableGivesTheBackendSettingsAndTheName() {
        let access = RepositoryAccess(environment: ["REPO_PASSWORD": "from-environment"], cacheDirectory: nil, lockWait: 7)
        let config = RepositoryConfig(name: "offsite", location: "s3://bucket/prefix", s3StorageClass: "STANDARD_IA", s3Connections: 3)
        let opener = access.opener(config)
        #expect(opener.location == "s3://bucket/prefix")
        #expect(opener.name == "repository offsite (s3://bucket/prefix)")
        #expect(opener.environment["REPO_S3_STORAGE_CLASS"] == "STANDARD_IA" && opener.environment["REPO_S3_CONNECTIONS"] == "3")
        #expect(opener.cacheDirectory == nil && opener.lockWait == 7)
        #expect(access.environment["REPO_S3_STORAGE_CLASS"] == nil, "one table's settings stay with its repository")
    }

    @Test func theTableGivesTheSFTPCommand() {
        var config = RepositoryConfig(name: "nas", location: "sftp:backup@nas:/srv/repo")
        config.sftpCommand = "ssh -p 2222 backup@nas -s sftp"
        let access = RepositoryAccess(environment: [:], cacheDirectory: nil)
        #expect(access.opener(config).environment["REPO_SFTP_COMMAND"] == "ssh -p 2222 backup@nas -s sftp")
        #expect(access.opener(RepositoryConfig(name: "other", location: "/r")).environment["REPO_SFTP_COMMAND"] == nil)
    }

    /// `retry-budget`: the command line's (REPO_RETRY_BUDGET in the environment) over the
    /// job's, over the repository table's; none given, the backend's default.
    @Test func theRetryBudgetComesFromTheCommandLineThenTheJobThenTheTable() {
        let table = RepositoryConfig(name: "offsite", location: "s3://bucket/prefix")
        var withBudget = table
        withBudget.retryBudget = 120
        var access = RepositoryAccess(environment: [:], cacheDirectory: nil)
        #expect(access.opener(table).environment["REPO_RETRY_BUDGET"] == nil)
        #expect(access.opener(withBudget).environment["REPO_RETRY_BUDGET"] == "120.0")
        access.retryBudget = 1800
        #expect(access.opener(withBudget).environment["REPO_RETRY_BUDGET"] == "1800.0")
        access.environment["REPO_RETRY_BUDGET"] = "45s"
        #expect(access.opener(withBudget).environment["REPO_RETRY_BUDGET"] == "45s")
    }

    @Test func theTablesOwnPasswordSourceComesFirstThenTheCommandLineThenTheEnvironment() throws {
        let own = try Self.passwordFile("own"), given = try Self.passwordFile("given")
        defer { for path in [own, given] { try? FileManager.default.removeItem(atPath: path) } }
        var access = RepositoryAccess(environment: ["REPO_PASSWORD": "from-environment"], cacheDirectory: nil)
        #expect(try access.opener(RepositoryConfig(name: "a", location: "/a")).password() == Array("from-environment".utf8))
        access.passwordFile = given
        #expect(try access.opener(RepositoryConfig(name: "a", location: "/a")).password() == Array("given".utf8))
        #expect(try access.opener(RepositoryConfig(name: "a", location: "/a", passwordFile: own)).password() == Array("own".utf8))
    }

    @Test func aMissingRepositoryIsReportedBeforeAnyPassword() throws {
        let access = RepositoryAccess(environment: ["REPO_PASSWORD_COMMAND": "exit 1"], cacheDirectory: nil)
        let location = NSTemporaryDirectory() + "repo-access-missing-\(UUID().uuidString.prefix(8))"
        do {
            _ = try access.open(RepositoryConfig(name: "main", location: location))
            Issue.record("opened a repository that is not there")
        } catch let error as BackendError {
            guard case .repositoryNotFound = error else { Issue.record("\(error)"); return }
        }
    }
}
