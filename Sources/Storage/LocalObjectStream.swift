import Posix
/// A local object written piece by piece: a temporary file in the kind's directory,
/// renamed to its name (in its shard) once complete, with `LocalBackend.write`'s syncs.
///
/// Each append starts the writeback of what it wrote (`startWriteback`): the disk works
/// while the rest of the object is built, and the sync at `commit` waits only for the
/// tail. Without it a pack's 16 MiB reached the disk only at that sync, one pack at a
/// time, and a snapshot of media wrote at about half the disk's speed.
final class LocalObjectStream: ObjectStream {
    private let backend: LocalBackend
    private let temporary: String
    private var file: FileDescriptor?
    /// Bytes appended so far: where the next append lands.
    private var length = 0
    /// Bytes whose writeback was started (the kernel may refuse the hint: tests check it
    /// is accepted where it should be).
    private(set) var writebackStarted = 0

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
        if file.startWriteback(offset: length, count: bytes.count) { writebackStarted += bytes.count }
        length += bytes.count
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
