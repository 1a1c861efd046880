import Crypto
import Foundation
import Storage

/// The retention policy kept in the repository (`policy/<id>`, docs/format.md), so that
/// every host and every scheduled job applies the same one.
public struct StoredPolicy: Codable, Sendable, Equatable {
    public var version = 1
    public var policy: RetentionPolicy
    public var groupBy: [GroupingField]
    /// When it was set, and where: the newest policy object wins.
    public var time: Date
    public var host: String

    enum CodingKeys: String, CodingKey {
        case version, policy, time, host
        case groupBy = "group_by"
    }

    public init(policy: RetentionPolicy, groupBy: Set<GroupingField>, time: Date = Date(), host: String? = nil) {
        self.policy = policy
        self.groupBy = GroupingField.allCases.filter(groupBy.contains)
        self.time = time
        self.host = host ?? Host.name
    }
}

extension Repository {
    /// The policy set most recently, if any.
    public func storedPolicy() throws -> StoredPolicy? {
        try policyObjects().max { ($0.1.time, $0.0.id) < ($1.1.time, $1.0.id) }?.1
    }

    /// Stores `policy`, replacing any earlier one (written first, so a crash leaves two, of
    /// which the newer wins, never none).
    public func setPolicy(_ policy: StoredPolicy) throws {
        let earlier = try backend.list(.policy)
        let sealed = try metadata.seal(Array(try JSONCoding.encoder.encode(policy)), kind: .policy)
        let name = ObjectName(.policy, SHA256.hash(sealed).hex)
        try backend.write(name, sealed)
        for info in earlier where info.name != name { try backend.delete(info.name) }
    }

    /// Removes the stored policy; returns whether there was one.
    @discardableResult
    public func clearPolicy() throws -> Bool {
        let objects = try backend.list(.policy)
        for info in objects { try backend.delete(info.name) }
        return !objects.isEmpty
    }

    private func policyObjects() throws -> [(ObjectName, StoredPolicy)] {
        try backend.list(.policy).map { info in
            let name = "policy \(info.name.id.prefix(8))"
            let plaintext = try metadata.open(try backend.read(info.name), kind: .policy, name: name)
            do {
                let stored = try JSONCoding.decoder.decode(StoredPolicy.self, from: Data(plaintext))
                guard stored.version == 1 else {
                    throw FormatError.unsupportedVersion(object: name, version: stored.version, supported: 1)
                }
                return (info.name, stored)
            } catch let error as FormatError {
                throw error
            } catch {
                throw FormatError.corrupt(name, "\(error)")
            }
        }
    }
}
