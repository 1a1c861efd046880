/// How keys are written back in messages and table names: bare when TOML allows it,
/// quoted otherwise, so that a name such as `[job."nightly run"]` can be pasted back
/// into the file.
public enum TOMLKey {
    /// One key: `paths`, or `"b c"` when it is not a valid bare key.
    public static func format(_ key: String) -> String {
        if !key.isEmpty && key.unicodeScalars.allSatisfy(TOMLScanner.isBareKeyScalar) { return key }
        var quoted = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\t": quoted += "\\t"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            default:
                if TOMLScanner.isForbiddenControl(scalar) {
                    quoted += "\\u" + TOMLScanner.hex(scalar.value, width: 4)
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }

    /// A dotted key: `job.nightly`, `a."b c".d`.
    public static func format(path: [String]) -> String {
        path.map(format).joined(separator: ".")
    }
}
