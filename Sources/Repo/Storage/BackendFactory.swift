/// Turns a repository location as users write it into a backend.
public enum BackendFactory {
    /// The backend of an existing repository.
    public static func open(_ location: String) throws -> any Backend {
        if location.hasPrefix("s3:") { throw BackendError.service("S3 repositories are not supported yet: \(location)") }
        return try LocalBackend(existingAt: location)
    }

    /// A backend for a new repository; fails if one exists there.
    public static func create(_ location: String) throws -> any Backend {
        if location.hasPrefix("s3:") { throw BackendError.service("S3 repositories are not supported yet: \(location)") }
        return try LocalBackend.create(at: location)
    }
}
