/// One answer of the server to a request, decoded from a packet's body (type byte first,
/// length prefix already taken off).
enum SFTPResponse: Equatable {
    case status(code: UInt32, message: String)
    case handle([UInt8])
    case data(ArraySlice<UInt8>)
    /// READDIR's entries: names and attributes (the long names are dropped).
    case names([SFTPDirectoryEntry])
    case attributes(SFTPAttributes)
    case extendedReply

    /// The request id and the answer in `body`.
    static func decode(_ body: ArraySlice<UInt8>) throws(SFTPMalformed) -> (id: UInt32, response: SFTPResponse) {
        var reader = SFTPPacketReader(body)
        let typeByte = try reader.byte()
        guard let type = SFTPPacketType(rawValue: typeByte) else { throw SFTPMalformed(reason: "unknown packet type \(typeByte)") }
        let id = try reader.uint32()
        switch type {
        case .status:
            let code = try reader.uint32()
            // Servers of the oldest drafts end the packet after the code.
            let message = reader.isAtEnd ? "" : try reader.string()
            return (id, .status(code: code, message: message))
        case .handle: return (id, .handle(Array(try reader.data())))
        case .data: return (id, .data(try reader.data()))
        case .name:
            let count = try reader.uint32()
            var entries: [SFTPDirectoryEntry] = []
            // Each entry takes at least 12 bytes: a count larger than the packet allows is a lie.
            guard Int(count) <= body.count / 12 else { throw SFTPMalformed(reason: "NAME packet claims \(count) entries") }
            entries.reserveCapacity(Int(count))
            for _ in 0..<count {
                let name = try reader.string()
                _ = try reader.data()
                entries.append(SFTPDirectoryEntry(name: name, attributes: try reader.attributes()))
            }
            return (id, .names(entries))
        case .attributes: return (id, .attributes(try reader.attributes()))
        case .extendedReply: return (id, .extendedReply)
        default: throw SFTPMalformed(reason: "unexpected packet type \(typeByte)")
        }
    }
}

/// One entry of a directory listing.
struct SFTPDirectoryEntry: Equatable {
    let name: String
    let attributes: SFTPAttributes
}

/// The server's SSH_FXP_VERSION: its protocol version and the extensions it offers.
struct SFTPVersion: Equatable {
    let version: UInt32
    let extensions: [String: String]

    static func decode(_ body: ArraySlice<UInt8>) throws(SFTPMalformed) -> SFTPVersion {
        var reader = SFTPPacketReader(body)
        guard try reader.byte() == SFTPPacketType.version.rawValue else { throw SFTPMalformed(reason: "the first answer is not VERSION") }
        let version = try reader.uint32()
        var extensions: [String: String] = [:]
        while !reader.isAtEnd {
            let name = try reader.string()
            extensions[name] = try reader.string()
        }
        return SFTPVersion(version: version, extensions: extensions)
    }
}
