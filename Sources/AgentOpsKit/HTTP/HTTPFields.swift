/// Lookups by name in a list of HTTP header fields, in order, names as sent: the one
/// place the listener, both sides of the LLM proxy and the exporters' plain client match a name.
///
/// Field names are tokens, ASCII only (RFC 9110 §5.1, §5.6.2), and match regardless of
/// case: letters are compared folded byte by byte, so a lookup makes no lowercased copy
/// of every name it passes.
extension Sequence where Element == (name: String, value: String) {
    /// The value of the first field named `name`, in any case.
    public func value(named name: String) -> String? {
        first { $0.name.isHTTPFieldName(name) }?.value
    }

    /// The values of every field named `name`, in any case, in order.
    public func values(named name: String) -> [String] {
        compactMap { $0.name.isHTTPFieldName(name) ? $0.value : nil }
    }

    /// Whether a field is named `name`, in any case.
    public func contains(named name: String) -> Bool {
        contains { $0.name.isHTTPFieldName(name) }
    }
}

extension RangeReplaceableCollection where Element == (name: String, value: String) {
    /// Removes every field named `name`, in any case.
    public mutating func removeAll(named name: String) {
        removeAll { $0.name.isHTTPFieldName(name) }
    }
}

extension String {
    /// Whether this field name is `name`: the same bytes once ASCII letters are folded
    /// to lower case.
    ///
    /// Bytes outside ASCII match only themselves, as no token holds them; unlike
    /// `lowercased()`, which maps the Kelvin sign to `k`.
    public func isHTTPFieldName(_ name: String) -> Bool {
        utf8.count == name.utf8.count && utf8.elementsEqual(name.utf8) { Self.folded($0) == Self.folded($1) }
    }

    /// `byte` with `A`–`Z` lowered.
    private static func folded(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
