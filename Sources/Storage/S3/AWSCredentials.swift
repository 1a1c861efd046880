import Foundation

/// Access key, secret and optional session token, found the way AWS tools find them:
/// the environment first, then the profile (`AWS_PROFILE`, else `default`) in the shared
/// credentials file and then in the config file. Never printed: `description` hides them.
struct AWSCredentials: Sendable, CustomStringConvertible {
    let accessKeyID: String
    let secretAccessKey: String
    let sessionToken: String?

    var description: String { "AWSCredentials(\(accessKeyID.prefix(4))…, <secret redacted>)" }

    /// Credentials and region from `environment` and the files under `home`.
    static func resolve(environment: [String: String], home: String?) throws(BackendError) -> (AWSCredentials, region: String?) {
        let profile = environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let home = home ?? environment["HOME"] ?? NSHomeDirectory()
        let credentialsFile = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        let configFile = environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config"
        let fromCredentials = IniFile.read(credentialsFile)[profile] ?? [:]
        let fromConfig = IniFile.read(configFile)[profile == "default" ? "default" : "profile \(profile)"] ?? [:]
        let region = nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"]) ?? fromConfig["region"]

        if let key = nonEmpty(environment["AWS_ACCESS_KEY_ID"]), let secret = nonEmpty(environment["AWS_SECRET_ACCESS_KEY"]) {
            return (AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"])), region)
        }
        for section in [fromCredentials, fromConfig] {
            if let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] {
                return (AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: section["aws_session_token"]), region)
            }
        }
        throw .service("no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a profile in \(credentialsFile)")
    }

    private static func nonEmpty(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
}

/// The `[section]` / `key = value` files of the AWS tools.
enum IniFile {
    static func read(_ path: String) -> [String: [String: String]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        return parse(text)
    }

    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[section, default: [:]][key] = value
        }
        return sections
    }
}
