import Posix
/// A local object written piece by piece: a temporary file in the kind's directory,
/// renamed to its name (in its shard) once complete, with `LocalBackend.write`'s syncs.
final class LocalObjectStream: ObjectStream {
    private let backend: LocalBackend
    private let temporary: String
    private var file: FileDescriptor?

    init(backend: LocalBackend, file: FileDescriptor, temporary: String) {
        self.backend = backend
        self.file = file
        self.temporary = temporary
    }

    deinit { discard() }

    func append(_ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        guard let file else { throw backend.closedStream(temporary) }
        do throws(Errno) {
            try file.writeAll(bytes)
        } catch {
            discard()
            throw backend.streamError(error, "write", temporary)
        }
    }

    func commit(as name: ObjectName) throws(BackendError) {
        guard let file else { throw backend.closedStream(temporary) }
        self.file = nil
        try backend.commit(file, temporary: temporary, as: name)
    }

    func discard() {
        guard let file else { return }
        self.file = nil
        try? file.close()
        backend.removeTemporary(temporary)
    }
}
