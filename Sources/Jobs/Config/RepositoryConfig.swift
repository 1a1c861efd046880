import Foundation

/// A `[repository.NAME]` table: where a repository is and how to open it.
public struct RepositoryConfig: Sendable, Equatable {
    public var name: String
    /// Anything `--repo` accepts: a directory, `s3://BUCKET/PREFIX`, `s3:https://HOST/BUCKET/PREFIX`,
    /// `sftp:USER@HOST:PATH`.
    public var location: String
    public var passwordFile: String?
    public var passwordCommand: String?
    /// `--s3-storage-class` for data packs written by jobs.
    public var s3StorageClass: String?
    /// `--s3-connections`.
    public var s3Connections: Int?
    /// `--sftp-command`: how an SFTP repository is reached instead of `ssh HOST -s sftp`.
    public var sftpCommand: String?
    /// `retry-budget`: how long a request to this repository's store is retried (seconds).
    public var retryBudget: TimeInterval?

    public init(name: String, location: String, passwordFile: String? = nil, passwordCommand: String? = nil,
                s3StorageClass: String? = nil, s3Connections: Int? = nil) {
        self.name = name
        self.location = location
        self.passwordFile = passwordFile
        self.passwordCommand = passwordCommand
        self.s3StorageClass = s3StorageClass
        self.s3Connections = s3Connections
    }
}
