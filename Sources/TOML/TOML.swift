/// A small, strict reader for TOML 1.0, made for the job files of `repo`.
///
/// Supported: the whole of TOML 1.0 as far as reading goes —
/// - comments; bare keys (`A-Za-z0-9_-`), quoted keys (basic and literal) and dotted keys,
///   also inside inline tables;
/// - `[table]` and `[a."b c".d]` headers; `[[array.of.tables]]`, whose later headers and
///   sub-tables refer to the last element;
/// - basic strings with every escape (`\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`), literal
///   strings, multi-line basic strings (with line-ending backslashes; CRLF is read as LF)
///   and multi-line literal strings;
/// - integers (decimal, `0x`, `0o`, `0b`, underscores between digits), floats (fraction,
///   exponent, `inf`, `nan`), booleans;
/// - arrays (mixed types, multi-line, trailing comma, comments) and inline tables;
/// - offset and local date-times, local dates and local times, whose shape and ranges
///   are checked but which are kept as their text (`TOMLValue.dateTime`).
///
/// Everything TOML forbids is an error with a file, line and column: duplicate keys,
/// tables defined twice, extending inline tables or static arrays, missing values,
/// text after a value, invalid escapes, control characters, leading zeros, integers that
/// do not fit in 64 bits, and so on. A U+FEFF byte-order mark at the start is skipped.
/// Tables and arrays nested more than 64 levels deep are rejected so that no input can
/// exhaust the stack.
///
/// Not supported: writing TOML, and TOML 1.1 additions (`\e`, `\xHH`, times without
/// seconds, newlines in inline tables).
public enum TOML {
    /// Parses a whole document. `file` only labels error messages.
    /// - Throws: `TOMLError`, at the first problem found.
    public static func parse(_ text: String, file: String) throws -> TOMLTable {
        var parser = TOMLParser(text, file: file)
        return try parser.parseDocument()
    }
}
