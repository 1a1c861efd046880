import Crypto
import Foundation
import Storage

/// One key file as `repo key list` shows it.
public struct KeyInfo: Sendable {
    public let id: String
    public let created: Date
    public let host: String
    public let user: String
    public let isCurrent: Bool
}

extension Repository {
    public func listKeys() throws -> [KeyInfo] {
        try backend.list(.keys).map { info in
            let keyFile = try KeyFile.decode(try backend.read(info.name), name: "key \(info.name.id.prefix(8))")
            return KeyInfo(id: info.name.id, created: keyFile.created, host: keyFile.host, user: keyFile.user,
                           isCurrent: info.name == currentKey)
        }.sorted { $0.created < $1.created }
    }

    /// Adds a key file wrapping the master secret under `password`; returns its id.
    @discardableResult
    public func addKey(password: [UInt8], scrypt: Scrypt.Parameters = .interactive) throws -> String {
        let bytes = try metadata.keyFile(password: password, parameters: scrypt, host: Host.name, user: Host.user).encoded()
        let id = SHA256.hash(bytes).hex
        try backend.write(ObjectName(.keys, id), bytes)
        return id
    }

    /// Removes a key by id or unique prefix. The key in use and the last key cannot be removed.
    ///
    /// The caller holds the exclusive lock, so the keys listed here are the ones there are
    /// until the file is deleted. The only key known to open the master secret is the one in
    /// use (no other password is at hand), so when another process removed it meanwhile
    /// nothing is removed (`lastKey`): two removals each of the other's key cannot leave
    /// the repository without a key.
    public func removeKey(_ prefix: String) throws -> String {
        let all = try backend.list(.keys).map(\.name)
        let matching = all.filter { $0.id.hasPrefix(prefix.lowercased()) }
        guard !prefix.isEmpty, let name = matching.first else { throw RepositoryError.keyNotFound(prefix) }
        guard matching.count == 1 else { throw RepositoryError.keyNotFound("\(prefix) (ambiguous)") }
        guard name != currentKey else { throw RepositoryError.keyInUse }
        guard all.count > 1 else { throw RepositoryError.keyInUse }
        guard let currentKey, all.contains(currentKey) else { throw RepositoryError.lastKey }
        try backend.delete(name)
        return name.id
    }

    /// Replaces the key in use with one for `newPassword`: the new key is written before
    /// the old one is removed, so a crash in between leaves both working.
    public func changePassword(to newPassword: [UInt8]) throws -> String {
        let id = try addKey(password: newPassword)
        if let currentKey { try backend.delete(currentKey) }
        self.currentKey = ObjectName(.keys, id)
        return id
    }
}
