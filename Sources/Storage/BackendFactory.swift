import Foundation

/// Turns a repository location as users write it into a backend: a directory, an S3
/// location (`s3://BUCKET/PREFIX`, `s3:https://ENDPOINT/BUCKET/PREFIX`), or an SFTP one
/// (`sftp:USER@HOST:PATH`, `sftp://USER@HOST:PORT/PATH`).
public enum BackendFactory {
    /// The directory of a repository on a local (or mounted) file system; nil for an
    /// object store or an SFTP server.
    public static func localDirectory(of location: String) -> String? {
        isObjectStore(location) ? nil : location
    }

    private static func isObjectStore(_ location: String) -> Bool { location.hasPrefix("s3:") || SFTPLocation.isSFTP(location) }

    /// The backend of an existing repository. `onRetry` is told of each wait before a
    /// request is retried (backends that can fail transiently: S3, SFTP).
    public static func open(_ location: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                            onRetry: RetryObserver? = nil) throws -> any Backend {
        if SFTPLocation.isSFTP(location) { return try SFTPBackend.open(url: location, environment: environment, onRetry: onRetry) }
        if isObjectStore(location) { return try S3Backend(url: location, environment: environment, onRetry: onRetry) }
        return try LocalBackend(existingAt: location)
    }

    /// A backend for a new repository; fails if one exists there. An S3 bucket is created
    /// when missing.
    public static func create(_ location: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                              onRetry: RetryObserver? = nil) throws -> any Backend {
        if SFTPLocation.isSFTP(location) { return try SFTPBackend.create(url: location, environment: environment, onRetry: onRetry) }
        if isObjectStore(location) {
            let backend = try S3Backend(url: location, environment: environment, onRetry: onRetry)
            try backend.createBucketIfNeeded()
            if try backend.stat(.config) != nil { throw BackendError.alreadyExists(location: backend.location) }
            return backend
        }
        return try LocalBackend.create(at: location)
    }
}
