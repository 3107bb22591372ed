/// A span's attributes by name, with the lookups the span mapping needs: the first of
/// several names that is present, as a string, an integer or JSON.
///
/// Instrumentations disagree on names (agentops' own, the OTel GenAI conventions old and
/// new, OpenLLMetry, OpenInference) and on types (a token count as an int, a double or a
/// string), so every lookup takes a list of names and is liberal in the type.
struct SpanAttributes {
    private let list: [OTLPKeyValue]
    /// An open-addressed table over `list`: each slot 0 (empty) or an index + 1, for the
    /// first attribute of each key. The mapping looks up some forty names per span, and a
    /// `Dictionary<String, _>` hashed every key and every name with SipHash: a fifth of
    /// what folding a span cost (`scripts/bench-listener`, perf). FNV-1a over the bytes is
    /// enough for a table the size of one span's attributes, which nobody outside can grow.
    private let slots: [Int32]
    private let mask: Int

    /// The attributes of `list`; of a repeated key the first wins, as in the collector.
    init(_ list: [OTLPKeyValue]) {
        self.list = list
        var size = 8
        while size < list.count * 2 { size <<= 1 }
        mask = size - 1
        var slots = [Int32](repeating: 0, count: size)
        for (index, pair) in list.enumerated() {
            var slot = Self.hash(pair.key) & mask
            while true {
                let taken = Int(slots[slot])
                if taken == 0 {
                    slots[slot] = Int32(truncatingIfNeeded: index + 1)
                    break
                }
                if list[taken - 1].key == pair.key { break }
                slot = (slot + 1) & mask
            }
        }
        self.slots = slots
    }

    /// The position in `list` of the first attribute named by `bytes`.
    private func position(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var slot = Self.hash(bytes) & mask
        while true {
            let taken = Int(slots[slot])
            if taken == 0 { return nil }
            if Self.equal(list[taken - 1].key, bytes) { return taken - 1 }
            slot = (slot + 1) & mask
        }
    }

    private func position(_ key: String) -> Int? {
        var key = key
        return key.withUTF8 { position(UnsafeRawBufferPointer($0)) }
    }

    private static func hash(_ key: String) -> Int {
        var key = key
        return key.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> Int { OTLPAttributeKeys.hash(bytes) }

    private static func equal(_ key: String, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard key.utf8.count == bytes.count else { return false }
        if bytes.isEmpty { return true }
        var key = key
        return key.withUTF8 { ByteSearch.equal(UnsafeRawPointer($0.baseAddress!), bytes.baseAddress!, count: bytes.count) }
    }

    subscript(_ key: String) -> OTLPAnyValue? {
        guard let index = position(key) else { return nil }
        let value = list[index].value
        return value == .empty ? nil : value
    }

    /// The value named by the bytes of `key` (a name made up on the stack, such as
    /// `gen_ai.prompt.3.content`, without a `String` for it).
    subscript(bytes key: UnsafeRawBufferPointer) -> OTLPAnyValue? {
        guard let index = position(key) else { return nil }
        let value = list[index].value
        return value == .empty ? nil : value
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
    func int(_ keys: String...) -> Int64? { int(keys) }

    /// The first of `keys` that holds an integer (an int, integral double or numeric string).
    func int(_ keys: [String]) -> Int64? {
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

    /// Keys that start with `prefix`, for the flattened `gen_ai.request.*` scalars, sorted
    /// (the first of a repeated key).
    func pairs(withPrefix prefix: String) -> [(String, OTLPAnyValue)] {
        var found: [(String, OTLPAnyValue)] = []
        for (index, pair) in list.enumerated() where pair.key.utf8.starts(with: prefix.utf8) {
            if position(pair.key) == index { found.append((pair.key, pair.value)) }
        }
        if found.count > 1 { found.sort { $0.0 < $1.0 } }
        return found
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
