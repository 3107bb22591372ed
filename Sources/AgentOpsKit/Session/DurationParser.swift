/// Durations as users write them: `90s`, `5m`, `1h30m`, `250ms`, `1.5`, plain seconds.
public enum DurationParser {
    /// Seconds for `text`; nil when it is not a duration.
    ///
    /// One or more number–unit pairs (`ms`, `s`, `m`, `h`, `d`), or one plain number
    /// of seconds. Numbers may have a fraction; nothing may be negative.
    public static func seconds(_ text: String) -> Double? {
        if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let plain = Double(text) {
            return plain
        }
        var total = 0.0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
        }
        return total
    }
}

/// Sizes as users write them: `16MiB`, `16M`, `512k`, `1G`, `1048576`, `0`.
public enum SizeParser {
    /// Bytes for `text` (units are powers of 1024; `B` and `iB` optional); nil when it
    /// is not a size.
    public static func bytes(_ text: String) -> Int? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        var unit = text.dropFirst(digits.count).lowercased()
        if unit.hasSuffix("ib") { unit.removeLast(2) } else if unit.hasSuffix("b") { unit.removeLast() }
        let shifts: [String: Int] = ["": 0, "k": 10, "m": 20, "g": 30]
        guard let shift = shifts[unit], number <= Int.max >> shift else { return nil }
        return number << shift
    }
}
