/// Text from a session (tags, commands, output, event fields) made safe to print for
/// people: a recorded escape sequence must not clear the screen, retitle the window
/// or break a table's rows when `agentops sessions` or `show` prints it.
///
/// Control characters are shown as escapes: `\e` for ESC, `\n`, `\r`, `\t`, and
/// `\xHH` for the rest of C0, DEL and C1 (`\x07`, `\x9b`). Everything else, including
/// backslashes, is left as it is. Scripts read the exact text with `--json` / `export`.
public enum TerminalText {
    /// `text` with every control character escaped (one line, for a table cell).
    public static func cell(_ text: String) -> String { escaped(text, keepingNewlines: false) }

    /// `text` with control characters escaped except newlines, which a multi-line
    /// view keeps as line breaks.
    public static func lines(_ text: String) -> String { escaped(text, keepingNewlines: true) }

    private static func escaped(_ text: String, keepingNewlines: Bool) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) && !(keepingNewlines && $0 == "\n") }) else {
            return text
        }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard isControl(scalar), !(keepingNewlines && scalar == "\n") else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\u{1B}": result += "\\e"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                result += "\\x" + (hex.count < 2 ? "0" : "") + hex
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
