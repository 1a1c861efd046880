import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The few XML documents S3 answers with, read as the flat sequence of their leaf elements
/// (name and text, in document order): enough for ListObjectsV2 results, errors and
/// multipart replies.
enum S3XML {
    static func leaves(_ bytes: [UInt8]) -> [(name: String, text: String)] {
        let collector = LeafCollector()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = collector
        _ = parser.parse()
        return collector.leaves
    }

    static func first(_ name: String, in bytes: [UInt8]) -> String? { leaves(bytes).first { $0.name == name }?.text }

    /// A page of ListObjectsV2: keys with sizes, and the token of the next page if any.
    static func listPage(_ bytes: [UInt8]) -> (objects: [(key: String, size: Int)], next: String?) {
        var objects: [(key: String, size: Int)] = []
        var truncated = false
        var next: String?
        for leaf in leaves(bytes) {
            switch leaf.name {
            case "Key": objects.append((leaf.text, 0))
            case "Size": if !objects.isEmpty { objects[objects.count - 1].size = Int(leaf.text) ?? 0 }
            case "IsTruncated": truncated = leaf.text == "true"
            case "NextContinuationToken": next = leaf.text
            default: break
            }
        }
        return (objects, truncated ? next : nil)
    }

    /// CompleteMultipartUpload's body.
    static func completeMultipart(_ etags: [String]) -> Data {
        var xml = "<CompleteMultipartUpload>"
        for (index, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(escape(etag))</ETag></Part>"
        }
        return Data((xml + "</CompleteMultipartUpload>").utf8)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private final class LeafCollector: NSObject, XMLParserDelegate {
        var leaves: [(name: String, text: String)] = []
        private var text = ""
        private var hasChild = [false]

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            hasChild[hasChild.count - 1] = true
            hasChild.append(false)
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if hasChild.removeLast() == false { leaves.append((name, text)) }
            text = ""
        }
    }
}
