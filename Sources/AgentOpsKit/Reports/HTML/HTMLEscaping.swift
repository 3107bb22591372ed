/// Escaping that keeps recorded text data in an HTML page, never markup.
///
/// Everything a session recorded (output, prompts, tool names, tags, the command line)
/// passes through one of these before it reaches the page.
public enum HTMLEscaping {
    /// `text` safe inside an element's text: `&`, `<`, `>` as entities.
    public static func text(_ text: String) -> String { escape(text, quotes: false) }

    /// `text` safe inside a double- or single-quoted attribute value: also `"` and `'`.
    public static func attribute(_ text: String) -> String { escape(text, quotes: true) }

    private static func escape(_ text: String, quotes: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): out.append(contentsOf: Array("&amp;".utf8))
            case UInt8(ascii: "<"): out.append(contentsOf: Array("&lt;".utf8))
            case UInt8(ascii: ">"): out.append(contentsOf: Array("&gt;".utf8))
            case UInt8(ascii: "\"") where quotes: out.append(contentsOf: Array("&quot;".utf8))
            case UInt8(ascii: "'") where quotes: out.append(contentsOf: Array("&#39;".utf8))
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` as JSON that can sit inside `<script type="application/json">`.
    ///
    /// The JSON stays equal to `value` when parsed, but holds no `<` (so no
    /// `</script>` or `<!--` can end or confuse the element), no `>` or `&`, and no
    /// raw U+2028/U+2029 (line terminators in older JavaScript). Outside strings JSON
    /// never uses these characters, so each is replaced by its `\uXXXX` escape
    /// wherever it appears.
    public static func scriptJSON(_ value: JSONValue) -> [UInt8] {
        scriptSafe(JSONWriter.compact(value))
    }

    /// Compact JSON bytes with `<`, `>`, `&`, U+2028 and U+2029 escaped (see `scriptJSON`).
    static func scriptSafe(_ json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count + json.count / 16)
        var index = 0
        while index < json.count {
            let byte = json[index]
            switch byte {
            case UInt8(ascii: "<"): out.append(contentsOf: Array("\\u003c".utf8))
            case UInt8(ascii: ">"): out.append(contentsOf: Array("\\u003e".utf8))
            case UInt8(ascii: "&"): out.append(contentsOf: Array("\\u0026".utf8))
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
            case 0xE2 where index + 2 < json.count && json[index + 1] == 0x80
                && (json[index + 2] == 0xA8 || json[index + 2] == 0xA9):
                out.append(contentsOf: Array((json[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8))
                index += 2
            default: out.append(byte)
            }
            index += 1
        }
        return out
    }
}
