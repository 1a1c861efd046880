import Foundation
import TOML

/// `[notify.NAME]` tables: decoded with the rest of the job file, and on their own from a
/// file whose other parts are wrong, so that a broken job file is still reported to the
/// people who should hear of it.
struct NotifierDecoder {
    let file: String

    /// The notifiers of the `notify` table of `root`, in the file's order.
    func decode(_ root: TOMLTableReader) throws -> [NotifierConfig] {
        try (root.table("notify")?.subtables() ?? []).map { try notifier($0.key, $0.reader) }
    }

    /// What can be read of the notifiers of a file that failed to decode: none when even
    /// its syntax is broken or its notify tables are wrong too.
    static func salvage(file: String) -> [NotifierConfig] {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8),
              let table = try? TOML.parse(text, file: file) else { return [] }
        return (try? NotifierDecoder(file: file).decode(TOMLTableReader(table, file: file, name: ""))) ?? []
    }

    private func notifier(_ name: String, _ reader: TOMLTableReader) throws -> NotifierConfig {
        let typeText = try reader.requiredString("type")
        guard let kind = NotifierConfig.Kind(rawValue: typeText) else {
            let known = NotifierConfig.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw reader.valueError("`type` in \(reader.name) must be one of \(known), not \(typeText.debugDescription)", at: "type")
        }
        var config = NotifierConfig(name: name, kind: kind)
        if let names = try reader.stringArray("on") {
            if let problem = NotificationEvent.problem(in: names) { throw reader.valueError("`on` in \(reader.name) \(problem)", at: "on") }
            config.events = Set(names.compactMap(NotificationEvent.init(rawValue:)))
        }
        config.url = try reader.string("url")
        if let smtp = try reader.string("smtp") {
            guard let (host, port) = NotifierConfig.smtpServer(smtp) else {
                throw reader.valueError("`smtp` in \(reader.name) must be host:port, e.g. smtp.example.com:587", at: "smtp")
            }
            (config.smtpHost, config.smtpPort) = (host, port)
        }
        config.from = try reader.string("from")
        config.to = try reader.stringArray("to") ?? []
        config.user = try reader.string("user")
        config.passwordFile = try reader.string("password-file")
        if let timeout = try reader.integer("timeout", in: 1...300) { config.timeout = Double(timeout) }
        try reader.finish()
        if let problem = NotifierConfig.validate(config) { throw reader.error(problem, at: nil) }
        return config
    }
}
