import Foundation
import Repo
public enum DatabaseEngines { public static func engine(for source: DatabaseSource, environment: [String: String]) -> any DatabaseEngine { fatalError() } }
public struct PasswordSource { public init(file: String?, command: String?, environment: [String: String]) {}; public func password() throws -> [UInt8] { [] } }
public struct PasswordError: Error { public init(_ s: String) {} }
extension RepositoryLock { public static func acquire(_ repository: Repository, exclusive: Bool, operation: String, wait: TimeInterval, onWait: ((String) -> Void)?) throws -> RepositoryLock { fatalError() } }
