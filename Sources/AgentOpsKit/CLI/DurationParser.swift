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
