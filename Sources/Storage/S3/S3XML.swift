import Foundation

/// The few XML documents S3 answers with, read as the flat sequence of their leaf elements
/// (name and text, in document order, with the element each sits in): enough for
/// ListObjectsV2 and ListMultipartUploads results, errors and multipart replies.
enum S3XML {
    struct Leaf {
        let name: String
        let text: String
        /// The enclosing element's name, and its number among all elements in document
        /// order: what tells the fields of one `<Upload>` from the next one's.
        let parent: String
        let parentNumber: Int
    }

    static func leaves(_ bytes: [UInt8]) -> [Leaf] { S3XMLLeafReader.leaves(bytes) }

    static func first(_ name: String, in bytes: [UInt8]) -> String? { leaves(bytes).first { $0.name == name }?.text }

    /// The leaf fields of each `element` (`Contents`, `Upload`), grouped by the element they
    /// are in whatever their order (moto writes `UploadId` before `Key`, AWS after), and
    /// the document's other leaves by name.
    private static func records(_ element: String, in bytes: [UInt8]) -> (records: [[String: String]], rest: [String: String]) {
        var records: [(number: Int, values: [String: String])] = []
        var rest: [String: String] = [:]
        for leaf in leaves(bytes) {
            if leaf.parent == element {
                if records.last?.number != leaf.parentNumber { records.append((leaf.parentNumber, [:])) }
                records[records.count - 1].values[leaf.name] = leaf.text
            } else {
                rest[leaf.name] = leaf.text
            }
        }
        return (records.map(\.values), rest)
    }

    /// A page of ListObjectsV2: keys with sizes and storage classes (nil when the store
    /// names none), and the token of the next page if any.
    static func listPage(_ bytes: [UInt8]) -> (objects: [(key: String, size: Int, storageClass: String?)], next: String?) {
        let (records, rest) = records("Contents", in: bytes)
        // A size that is not one (unreadable, negative) reads as 0: reads are ranged by it.
        let objects = records.compactMap { object in
            object["Key"].map { ($0, object["Size"].flatMap(Int.init).flatMap { $0 >= 0 ? $0 : nil } ?? 0, object["StorageClass"]) }
        }
        return (objects, rest["IsTruncated"] == "true" ? rest["NextContinuationToken"] : nil)
    }

    /// One upload listed by ListMultipartUploads: started, neither completed nor aborted.
    struct Upload: Equatable {
        let key: String
        let id: String
        /// When it started, as the store writes it (`2026-01-02T03:04:05.000Z`).
        let initiated: String
    }

    /// A page of ListMultipartUploads: the uploads, and the markers the next page starts
    /// after if there is one.
    static func uploadsPage(_ bytes: [UInt8]) -> (uploads: [Upload], next: (key: String, uploadID: String?)?) {
        let (records, rest) = records("Upload", in: bytes)
        let uploads = records.compactMap { upload in
            upload["Key"].map { Upload(key: $0, id: upload["UploadId"] ?? "", initiated: upload["Initiated"] ?? "") }
        }
        guard rest["IsTruncated"] == "true", let nextKey = rest["NextKeyMarker"], !nextKey.isEmpty else { return (uploads, nil) }
        return (uploads, (nextKey, rest["NextUploadIdMarker"].flatMap { $0.isEmpty ? nil : $0 }))
    }

    /// CompleteMultipartUpload's body.
    static func completeMultipart(_ etags: [String]) -> Data {
        var xml = "<CompleteMultipartUpload>"
        for (index, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(escape(etag))</ETag></Part>"
        }
        return Data((xml + "</CompleteMultipartUpload>").utf8)
    }

    /// RestoreObject's body: a readable copy for `days` days, made at retrieval speed `tier`.
    static func restoreRequest(days: Int, tier: ThawTier) -> Data {
        Data(("<RestoreRequest xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Days>\(days)</Days>"
              + "<GlacierJobParameters><Tier>\(tier.s3Name)</Tier></GlacierJobParameters></RestoreRequest>").utf8)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
