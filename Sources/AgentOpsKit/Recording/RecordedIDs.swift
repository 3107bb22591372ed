/// The ids of events from outside a recorder has recorded (`Recorder.write(_:deduplicating:)`).
///
/// An id in the canonical lowercase UUID form (the SDK's, and the ones the span mapping
/// derives) is kept as its 128 bits: hashing 16 bytes instead of a 36-character string
/// is most of what a retry check costs the listener, and a run that folds a million
/// spans keeps 16 MB of ids instead of 48. Any other id is kept as its text; the two
/// cannot collide, as only the lowercase form is ever packed.
struct RecordedIDs {
    private struct Packed: Hashable {
        var high: UInt64
        var low: UInt64
    }

    private var packed = Set<Packed>()
    private var others = Set<String>()

    /// Adds `id`; false when it was already there.
    mutating func insert(_ id: String) -> Bool {
        if let key = Self.pack(id) { return packed.insert(key).inserted }
        return others.insert(id).inserted
    }

    /// Takes `id` out again.
    mutating func remove(_ id: String) {
        if let key = Self.pack(id) { packed.remove(key) } else { others.remove(id) }
    }

    /// The 128 bits of a lowercase `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, else nil.
    private static func pack(_ id: String) -> Packed? {
        var id = id
        return id.withUTF8 { bytes -> Packed? in
            guard bytes.count == 36 else { return nil }
            var high: UInt64 = 0, low: UInt64 = 0
            var digits = 0
            for (index, byte) in bytes.enumerated() {
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    guard byte == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let value: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte &- UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte &- UInt8(ascii: "a") &+ 10
                default: return nil
                }
                if digits < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
                digits += 1
            }
            return Packed(high: high, low: low)
        }
    }
}
