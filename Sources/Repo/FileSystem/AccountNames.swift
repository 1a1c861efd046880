#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// User and group names by numeric id, each looked up once.
///
/// Lookups go through NSS (files, LDAP, sssd...) and can take milliseconds each, while a tree
/// of a million files has a handful of owners. Thread-safe: the caches are behind locks, and
/// lookups run outside them, so a slow directory server never blocks readers of cached names
/// (two threads may look up the same new id at once; both get the same answer).
final class AccountNames: Sendable {
    private let users = Mutex<[UInt32: String?]>([:])
    private let groups = Mutex<[UInt32: String?]>([:])

    func user(_ uid: UInt32) -> String? {
        if let cached = users.withLock({ $0[uid] }) { return cached }
        let name = lookUp { passwdEntry, buffer, size in
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            let status = getpwuid_r(uid, &entry, buffer, size, &result)
            passwdEntry = result == nil ? nil : String(validatingCString: entry.pw_name)
            return status
        }
        users.withLock { $0[uid] = name }
        return name
    }

    func group(_ gid: UInt32) -> String? {
        if let cached = groups.withLock({ $0[gid] }) { return cached }
        let name = lookUp { groupEntry, buffer, size in
            var entry = Glibc.group()
            var result: UnsafeMutablePointer<Glibc.group>?
            let status = getgrgid_r(gid, &entry, buffer, size, &result)
            groupEntry = result == nil ? nil : String(validatingCString: entry.gr_name)
            return status
        }
        groups.withLock { $0[gid] = name }
        return name
    }

    /// Runs a `get*_r` call with a scratch buffer, larger while it reports ERANGE; nil when the
    /// id has no entry or the lookup fails (a name is a courtesy, the id is what counts).
    private func lookUp(
        _ call: (_ name: inout String?, _ buffer: UnsafeMutablePointer<CChar>, _ size: Int) -> Int32
    ) -> String? {
        var size = 1024
        while size <= 1 << 20 {
            var name: String?
            let status = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                call(&name, buffer.baseAddress!, size)
            }
            if status != ERANGE { return name }
            size *= 2
        }
        return nil
    }
}
