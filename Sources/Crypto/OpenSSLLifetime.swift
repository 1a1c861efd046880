import CLibCrypto

/// OpenSSL's clean-up at process exit, switched off.
///
/// By default the first use of libcrypto registers `OPENSSL_cleanup` with `atexit`. At exit
/// it frees every thread's OpenSSL state, while worker threads whose work is done may still
/// be running their thread-exit destructors, which free that same state: a double free
/// ("double free or corruption", SIGABRT) at the very end of a command that had succeeded,
/// seen after `check --read-data` on a loaded machine. The process is ending; the kernel
/// takes the memory back, so nothing is lost by skipping it.
public enum OpenSSLLifetime {
    /// Call first thing in `main`, before anything uses libcrypto or libssl: only the first
    /// initialisation decides whether the handler is registered.
    public static func skipCleanupAtExit() {
        _ = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
    }
}
