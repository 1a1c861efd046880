import Foundation

/// Turns the store's answers into one clear line each, naming the repository and what to
/// do; never the credentials.
enum S3ErrorMapping {
    static func isRetryable(_ response: S3Client.Response) -> Bool {
        switch response.status {
        case 500, 502, 503, 504: return true
        case 400, 429: return ["RequestTimeout", "SlowDown", "Throttling"].contains(code(response) ?? "")
        default: return false
        }
    }

    static func code(_ response: S3Client.Response) -> String? { S3XML.first("Code", in: response.body) }

    static func error(for response: S3Client.Response, location: S3Location, key: String?, region: String) -> BackendError {
        let code = self.code(response) ?? "HTTP \(response.status)"
        let message = S3XML.first("Message", in: response.body).map { ": \($0)" } ?? ""
        let bucket = "bucket \(location.bucket.debugDescription)"
        switch code {
        case "NoSuchBucket":
            return .service("\(bucket) does not exist at \(location.description): create it, or check the location")
        case "AccessDenied":
            return .service("access denied to \(location.description)\(key.map { " (\($0))" } ?? ""): check the credentials' permissions on \(bucket)")
        case "InvalidAccessKeyId":
            return .service("the store does not know this access key: check AWS_ACCESS_KEY_ID (or the profile) for \(location.description)")
        case "SignatureDoesNotMatch":
            return .service("the store rejected the request signature: check AWS_SECRET_ACCESS_KEY (and this machine's clock) for \(location.description)")
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
            let actual = S3XML.first("Region", in: response.body)
            return .service("\(bucket) is not in region \(region)\(actual.map { " but in \($0)" } ?? ""): set AWS_REGION\(actual.map { "=\($0)" } ?? "")")
        case "InvalidStorageClass":
            return .service("the store does not accept the storage class asked for (--s3-storage-class)\(message)")
        default:
            return .service("S3 \(code) from \(location.description)\(key.map { " for \($0)" } ?? "")\(message)")
        }
    }

    /// Retries ran out (the budget, or REPO_S3_MAX_ATTEMPTS), or the command is `stopping`
    /// (a signal) and waits no longer: one line with the request, how long it was tried and
    /// how often, and the last failure.
    static func gaveUp(_ last: S3Failure, request: String, seconds: Double, attempts: Int, configuration: S3Configuration,
                       location: S3Location, stopping: Bool = false) -> BackendError {
        let tries = "\(attempts) \(attempts == 1 ? "attempt" : "attempts")"
        let advice = stopping ? "not tried again: the command is stopping"
            : last.isIdle
            ? "check the endpoint, or raise REPO_S3_IDLE_TIMEOUT (now \(TimeSpan.describe(configuration.requestTimeout)))"
            : "check the network and endpoint, and try again"
        return .unreachable("the store at \(location.description) did not answer \(request) for \(TimeSpan.describeElapsed(seconds)) "
                            + "(\(tries), retry budget \(TimeSpan.describe(configuration.retry.budget)); last: \(last.detail)); \(advice)")
    }
}
