/// The messages of SFTP version 3 (draft-ietf-secsh-filexfer-02) that the backend sends and
/// understands, and their encoding: a uint32 length, a type byte, then big-endian uint32 and
/// uint64 fields and strings (a uint32 length and the bytes).
enum SFTPPacketType: UInt8 {
    case initialize = 1, version = 2, open = 3, close = 4, read = 5, write = 6, lstat = 7, fstat = 8
    case opendir = 11, readdir = 12, remove = 13, mkdir = 14, stat = 17, rename = 18
    case status = 101, handle = 102, data = 103, name = 104, attributes = 105
    case extended = 200, extendedReply = 201
}

/// The status codes of SSH_FXP_STATUS.
enum SFTPStatusCode: UInt32 {
    case ok = 0, endOfFile = 1, noSuchFile = 2, permissionDenied = 3, failure = 4, badMessage = 5
    case noConnection = 6, connectionLost = 7, unsupported = 8
}

/// SSH_FXP_OPEN's flags.
struct SFTPOpenFlags: OptionSet {
    let rawValue: UInt32
    static let read = SFTPOpenFlags(rawValue: 0x01)
    static let write = SFTPOpenFlags(rawValue: 0x02)
    static let create = SFTPOpenFlags(rawValue: 0x08)
    static let truncate = SFTPOpenFlags(rawValue: 0x10)
    static let exclusive = SFTPOpenFlags(rawValue: 0x20)
}

/// The file attributes the backend reads (size, type, modification time) and sets
/// (permissions); the rest of an ATTRS block is skipped.
struct SFTPAttributes: Equatable {
    var size: UInt64?
    var permissions: UInt32?
    var modified: UInt32?

    static let sizeFlag: UInt32 = 0x1, ownerFlag: UInt32 = 0x2, permissionsFlag: UInt32 = 0x4
    static let timesFlag: UInt32 = 0x8, extendedFlag: UInt32 = 0x8000_0000

    /// From the permissions' file type bits: nil when the server did not say.
    var isRegularFile: Bool? { permissions.map { $0 & 0o170000 == 0o100000 } }
    var isDirectory: Bool? { permissions.map { $0 & 0o170000 == 0o040000 } }
}

/// Builds one packet, length prefix included.
struct SFTPPacketWriter {
    private(set) var bytes: [UInt8] = [0, 0, 0, 0]

    init(_ type: SFTPPacketType, id: UInt32? = nil, reserving capacity: Int = 64) {
        bytes.reserveCapacity(capacity + 9)
        bytes.append(type.rawValue)
        if let id { append(id) }
    }

    mutating func append(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ text: String) { append(Array(text.utf8)[...]) }

    mutating func append(_ data: some Collection<UInt8>) {
        append(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    mutating func append(_ data: UnsafeRawBufferPointer) {
        append(UInt32(data.count))
        bytes.append(contentsOf: data)
    }

    mutating func append(_ attributes: SFTPAttributes) {
        var flags: UInt32 = 0
        if attributes.size != nil { flags |= SFTPAttributes.sizeFlag }
        if attributes.permissions != nil { flags |= SFTPAttributes.permissionsFlag }
        append(flags)
        if let size = attributes.size { append(size) }
        if let permissions = attributes.permissions { append(permissions) }
    }

    /// The packet, its length filled in.
    var packet: [UInt8] {
        var packet = bytes
        let length = UInt32(packet.count - 4).bigEndian
        withUnsafeBytes(of: length) { packet.replaceSubrange(0..<4, with: $0) }
        return packet
    }
}

/// The reason a packet could not be read: the server sent something this is not.
struct SFTPMalformed: Error, Equatable {
    let reason: String
}

/// Reads the fields of one packet's body (after the length): each read checks the bytes
/// are there, so a short or lying packet is an error, never a crash.
struct SFTPPacketReader {
    private let bytes: ArraySlice<UInt8>
    private var offset: Int

    init(_ body: ArraySlice<UInt8>) {
        bytes = body
        offset = body.startIndex
    }

    var isAtEnd: Bool { offset >= bytes.endIndex }

    mutating func byte() throws(SFTPMalformed) -> UInt8 {
        guard offset < bytes.endIndex else { throw SFTPMalformed(reason: "packet ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint32() throws(SFTPMalformed) -> UInt32 {
        var value: UInt32 = 0
        for byte in try take(4) { value = value << 8 | UInt32(byte) }
        return value
    }

    mutating func uint64() throws(SFTPMalformed) -> UInt64 {
        var value: UInt64 = 0
        for byte in try take(8) { value = value << 8 | UInt64(byte) }
        return value
    }

    mutating func data() throws(SFTPMalformed) -> ArraySlice<UInt8> {
        try take(Int(try uint32()))
    }

    mutating func string() throws(SFTPMalformed) -> String {
        String(decoding: try data(), as: UTF8.self)
    }

    mutating func attributes() throws(SFTPMalformed) -> SFTPAttributes {
        let flags = try uint32()
        var attributes = SFTPAttributes()
        if flags & SFTPAttributes.sizeFlag != 0 { attributes.size = try uint64() }
        if flags & SFTPAttributes.ownerFlag != 0 { _ = try take(8) }
        if flags & SFTPAttributes.permissionsFlag != 0 { attributes.permissions = try uint32() }
        if flags & SFTPAttributes.timesFlag != 0 {
            _ = try uint32()
            attributes.modified = try uint32()
        }
        if flags & SFTPAttributes.extendedFlag != 0 {
            let count = try uint32()
            for _ in 0..<count {
                _ = try data()
                _ = try data()
            }
        }
        return attributes
    }

    private mutating func take(_ count: Int) throws(SFTPMalformed) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.endIndex - offset >= count else { throw SFTPMalformed(reason: "packet ends early") }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }
}
