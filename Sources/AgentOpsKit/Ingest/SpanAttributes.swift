/// A span's attributes by name, with the lookups the span mapping needs: the first of
/// several names that is present, as a string, an integer or JSON.
///
/// Instrumentations disagree on names (agentops' own, the OTel GenAI conventions old and
/// new, OpenLLMetry, OpenInference) and on types (a token count as an int, a double or a
/// string), so every lookup takes a list of names and is liberal in the type.
struct SpanAttributes {
    private let values: [String: OTLPAnyValue]

    /// The attributes of `list`; of a repeated key the first wins, as in the collector.
    init(_ list: [OTLPKeyValue]) {
        var values = [String: OTLPAnyValue](minimumCapacity: list.count)
        for pair in list where values[pair.key] == nil { values[pair.key] = pair.value }
        self.values = values
    }

    subscript(_ key: String) -> OTLPAnyValue? {
        guard let value = values[key], value != .empty else { return nil }
        return value
    }

    /// Whether any of `keys` is present.
    func has(_ keys: String...) -> Bool { keys.contains { self[$0] != nil } }

    /// The first of `keys` that holds a non-empty string.
    func string(_ keys: String...) -> String? { string(keys) }

    func string(_ keys: [String]) -> String? {
        for key in keys {
            if let text = self[key]?.stringValue, !text.isEmpty { return text }
        }
        return nil
    }

    /// The first of `keys` that holds an integer (an int, integral double or numeric string).
    func int(_ keys: String...) -> Int64? {
        for key in keys {
            if let value = self[key]?.intValue { return value }
        }
        return nil
    }

    /// The first of `keys` that holds a number.
    func double(_ keys: String...) -> Double? {
        for key in keys {
            if let value = self[key]?.doubleValue { return value }
        }
        return nil
    }

    /// The first of `keys` that is present, as JSON: a string holding a JSON object or
    /// array is parsed (agentops sends decorator input and output as JSON text), any
    /// other string stays a string.
    func json(_ keys: String...) -> JSONValue? {
        for key in keys {
            guard let value = self[key] else { continue }
            return Self.json(value, parsingText: true)
        }
        return nil
    }

    /// Keys that start with `prefix`, for the flattened `gen_ai.request.*` scalars.
    func pairs(withPrefix prefix: String) -> [(String, OTLPAnyValue)] {
        values.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// `value` as JSON. Doubles that JSON cannot hold (NaN, infinities) become strings;
    /// bytes become base64, as OTLP/JSON writes them.
    static func json(_ value: OTLPAnyValue, parsingText: Bool = false) -> JSONValue {
        switch value {
        case .empty: return .null
        case let .string(text):
            if parsingText, let first = text.utf8.first, first == UInt8(ascii: "{") || first == UInt8(ascii: "["),
               let parsed = try? JSONParser.parse(text) {
                return parsed
            }
            return .string(text)
        case let .bool(flag): return .bool(flag)
        case let .int(number): return .int(number)
        case let .double(number): return number.isFinite ? .number(Self.text(number)) : .string("\(number)")
        case let .array(items): return .array(items.map { json($0) })
        case let .kvlist(pairs): return .object(pairs.map { ($0.key, json($0.value)) })
        case let .bytes(bytes): return .string(Base64.encode(bytes))
        }
    }

    /// A finite double as JSON number text: integral values without a fraction.
    static func text(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return "\(number)"
    }
}
