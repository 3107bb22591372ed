/// Serialises `JSONValue` to compact or indented UTF-8 JSON.
///
/// Hand-written rather than `JSONEncoder` because events are encoded on the capture
/// path: this writes straight into one byte buffer with no intermediate objects.
public enum JSONWriter {
    /// Compact JSON (no whitespace), as stored one record per line.
    public static func compact(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, indent: nil, level: 0)
        return out
    }

    /// Indented JSON (two spaces), as printed for people and scripts.
    public static func pretty(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, into: &out, indent: 2, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8], indent: Int?, level: Int) {
        guard let indent else { return writeCompact(value, into: &out) }
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case let .bool(b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case let .number(text): out.append(contentsOf: text.utf8)
        case let .string(s): writeString(s, into: &out)
        case let .array(items):
            writeContainer(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), count: items.count,
                           into: &out, indent: indent, level: level) { i, out in
                write(items[i], into: &out, indent: indent, level: level + 1)
            }
        case let .object(pairs):
            writeContainer(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), count: pairs.count,
                           into: &out, indent: indent, level: level) { i, out in
                writeString(pairs[i].0, into: &out)
                out.append(UInt8(ascii: ":"))
                out.append(UInt8(ascii: " "))
                write(pairs[i].1, into: &out, indent: indent, level: level + 1)
            }
        }
    }

    private static func writeContainer(
        open: UInt8, close: UInt8, count: Int, into out: inout [UInt8], indent: Int?, level: Int,
        element: (Int, inout [UInt8]) -> Void
    ) {
        out.append(open)
        guard count > 0 else { out.append(close); return }
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if let indent { newline(into: &out, spaces: indent * (level + 1)) }
            element(i, &out)
        }
        if let indent { newline(into: &out, spaces: indent * level) }
        out.append(close)
    }

    private static func newline(into out: inout [UInt8], spaces: Int) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: spaces))
    }

    /// Compact JSON, the session log's format: the listener writes tens of thousands of
    /// events a second through here, so no closures and no indentation checks per value.
    public static func writeCompact(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: raw("null", into: &out)
        case let .bool(b): b ? raw("true", into: &out) : raw("false", into: &out)
        case let .number(text): out.append(contentsOf: text.utf8)
        case let .string(s): writeString(s, into: &out)
        case let .array(items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeCompact(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(pairs):
            out.append(UInt8(ascii: "{"))
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(pair.0, into: &out)
                out.append(UInt8(ascii: ":"))
                writeCompact(pair.1, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends the bytes of `text` as they are (JSON punctuation and keys known to need
    /// no escaping).
    @inline(__always)
    static func raw(_ text: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
