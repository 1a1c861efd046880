#if canImport(Glibc)
import Glibc
#endif

/// The C library's extended-attribute functions (`man 2 listxattr`).
///
/// Swift's Glibc module does not include <sys/xattr.h>, and a C target for six declarations
/// would be a module of its own, so the functions are looked up once in the C library already
/// loaded into the process. A C library without them is treated like a file system without
/// extended attributes: every call fails with ENOTSUP.
struct ExtendedAttributeCalls: Sendable {
    typealias ListByPath = @convention(c) (UnsafePointer<CChar>, UnsafeMutablePointer<CChar>?, Int) -> Int
    typealias ListByDescriptor = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int
    typealias GetByPath = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    typealias GetByDescriptor = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeMutableRawPointer?, Int) -> Int
    typealias SetByPath = @convention(c) (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32
    typealias SetByDescriptor = @convention(c) (Int32, UnsafePointer<CChar>, UnsafeRawPointer?, Int, Int32) -> Int32

    /// The `l` variants: they act on a symlink itself, never on what it points to.
    let llistxattr: ListByPath?
    let flistxattr: ListByDescriptor?
    let lgetxattr: GetByPath?
    let fgetxattr: GetByDescriptor?
    let lsetxattr: SetByPath?
    let fsetxattr: SetByDescriptor?

    static let shared = ExtendedAttributeCalls()

    private init() {
        let library = dlopen(nil, RTLD_NOW)
        func lookup<Function>(_ name: String, as type: Function.Type) -> Function? {
            guard let library, let symbol = dlsym(library, name) else { return nil }
            return unsafeBitCast(symbol, to: type)
        }
        llistxattr = lookup("llistxattr", as: ListByPath.self)
        flistxattr = lookup("flistxattr", as: ListByDescriptor.self)
        lgetxattr = lookup("lgetxattr", as: GetByPath.self)
        fgetxattr = lookup("fgetxattr", as: GetByDescriptor.self)
        lsetxattr = lookup("lsetxattr", as: SetByPath.self)
        fsetxattr = lookup("fsetxattr", as: SetByDescriptor.self)
    }
}
