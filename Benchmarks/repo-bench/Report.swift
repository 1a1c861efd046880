import Foundation
import Repo

/// Presents benchmark results as an aligned table or as JSON.
enum Report {
    static func table(_ results: [Measurement]) -> String {
        var lines = [row("stage", "data", "MB/s", "openssl MB/s", "ratio", "stored/input")]
        for m in results {
            lines.append(row(m.stage, m.data.rawValue, format(m.megabytesPerSecond),
                             m.openssl.map(format) ?? "-",
                             m.openssl.map { String(format: "%.2f", m.megabytesPerSecond / $0) } ?? "-",
                             m.ratio.map { String(format: "%.3f", $0) } ?? "-"))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ results: [Measurement]) -> String {
        let objects: [[String: Any]] = results.map { m in
            var object: [String: Any] = ["stage": m.stage, "data": m.data.rawValue, "mb_per_s": round1(m.megabytesPerSecond)]
            if let openssl = m.openssl {
                object["openssl_mb_per_s"] = round1(openssl)
                object["ratio_to_openssl"] = (m.megabytesPerSecond / openssl * 1000).rounded() / 1000
            }
            if let ratio = m.ratio { object["stored_over_input"] = (ratio * 1000).rounded() / 1000 }
            return object
        }
        return encode(["measurements": objects])
    }

    static func table(_ rows: [ChunkSizeStudy.Row]) -> String {
        let areas = Set(rows.flatMap { $0.newBytesByArea.keys }).sorted()
        var lines = [row(["setting", "dump files", "v1 chunks", "v1 unique", "v1 stored MB", "v2 new chunks", "v2 new MB",
                          "v2 stored MB", "v2 lists MB", "est. growth MB", "index after v2"] + areas.map { "new MB \($0)" } + ["seconds"])]
        for r in rows {
            lines.append(row([r.setting.name, "\(r.dumpFiles)", "\(r.baselineChunks)", "\(r.uniqueChunks)", megabytes(r.baselineStoredBytes),
                              "\(r.newChunks)", megabytes(r.newBytes), megabytes(r.newStoredBytes),
                              megabytes(r.newContentListBytes), megabytes(r.estimatedGrowth), "\(r.uniqueChunks + r.newChunks)"]
                             + areas.map { megabytes(r.newBytesByArea[$0] ?? 0) } + [String(format: "%.1f", r.seconds)]))
        }
        lines.append("")
        lines.append(row(["class", "chunks at", "v1 files", "v1 MB", "v1 chunks", "v1 stored MB", "v2 new chunks", "v2 stored MB",
                          "v2 lists MB", "est. growth MB", "seconds"]))
        for r in rows {
            for contentClass in ContentClass.allCases {
                guard let c = r.classes[contentClass] else { continue }
                lines.append(row(["\(contentClass)", r.setting.name(of: contentClass), "\(c.files)", megabytes(c.baselineBytes),
                                  "\(c.baselineChunks)", megabytes(c.baselineStoredBytes), "\(c.newChunks)", megabytes(c.newStoredBytes),
                                  megabytes(c.newContentListBytes), megabytes(c.estimatedGrowth), String(format: "%.1f", c.seconds)]))
            }
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ rows: [ChunkSizeStudy.Row]) -> String {
        encode(["chunk_sizes": rows.map { r -> [String: Any] in
            ["setting": r.setting.name, "text_average": r.setting.text.averageSize, "dump_average": r.setting.dump.averageSize,
             "binary_average": r.setting.binary.averageSize, "dump_files": r.dumpFiles,
             "v1_stored_bytes": r.baselineStoredBytes, "v2_new_stored_bytes": r.newStoredBytes, "v1_chunks": r.baselineChunks, "v1_unique_chunks": r.uniqueChunks, "v2_new_chunks": r.newChunks,
             "v2_new_bytes": r.newBytes, "v2_bytes": r.successorBytes, "v2_new_bytes_by_area": r.newBytesByArea,
             "v2_new_stored_bytes_by_area": r.newStoredBytesByArea, "v2_content_list_bytes": r.newContentListBytes,
             "v2_estimated_growth_bytes": r.estimatedGrowth,
             "index_entries_after_v2": r.uniqueChunks + r.newChunks,
             "classes": Dictionary(uniqueKeysWithValues: r.classes.map { contentClass, c -> (String, Any) in
                 ("\(contentClass)", ["average": r.setting.parameters(for: contentClass).averageSize, "v1_files": c.files,
                                      "v1_bytes": c.baselineBytes, "v1_chunks": c.baselineChunks,
                                      "v1_stored_bytes": c.baselineStoredBytes, "v2_new_chunks": c.newChunks,
                                      "v2_new_stored_bytes": c.newStoredBytes, "v2_content_list_bytes": c.newContentListBytes,
                                      "v2_estimated_growth_bytes": c.estimatedGrowth, "seconds": c.seconds] as [String: Any])
             })]
        }])
    }

    static func table(_ rows: [CorpusCodecStudy.Row]) -> String {
        var lines = [row("codec", "area", "input MB", "stored MB", "stored/input", "encode MB/s", "decode MB/s")]
        for r in rows {
            lines.append(row(r.setting, r.area, megabytes(r.inputBytes), megabytes(r.storedBytes),
                             String(format: "%.3f", Double(r.storedBytes) / Double(max(r.inputBytes, 1))),
                             format(Double(r.inputBytes) / r.encodeSeconds / 1e6), format(Double(r.inputBytes) / r.decodeSeconds / 1e6)))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ rows: [CorpusCodecStudy.Row]) -> String {
        encode(["codecs": rows.map { r -> [String: Any] in
            ["codec": r.setting, "area": r.area, "input_bytes": r.inputBytes, "stored_bytes": r.storedBytes,
             "encode_mb_per_s": round1(Double(r.inputBytes) / r.encodeSeconds / 1e6),
             "decode_mb_per_s": round1(Double(r.inputBytes) / r.decodeSeconds / 1e6)]
        }])
    }

    private static func encode(_ object: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
    private static func round1(_ value: Double) -> Double { (value * 10).rounded() / 10 }
    private static func format(_ value: Double) -> String { String(format: "%.0f", value) }
    private static func megabytes(_ bytes: Int) -> String { String(format: "%.1f", Double(bytes) / 1e6) }
    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20)M" : bytes >= 1 << 10 ? "\(bytes >> 10)K" : "\(bytes)"
    }
    private static func row(_ cells: String...) -> String { row(cells) }
    private static func row(_ cells: [String]) -> String {
        cells.enumerated().map { $0.offset < 2 ? $0.element.padding(toLength: max(18, $0.element.count), withPad: " ", startingAt: 0)
                                               : String(repeating: " ", count: max(0, 13 - $0.element.count)) + $0.element }
            .joined(separator: " ")
    }
}
