/// Durations as users write them: `90s`, `5m`, `1h30m`, `250ms`, `1.5`, plain seconds.
public enum DurationParser {
    /// The longest duration accepted: 100 years (`36500d`). Longer ones are usage
    /// errors rather than traps when they are turned into microseconds or a deadline.
    public static let maximumSeconds = 36_500.0 * 86_400

    /// How the help and error messages name that limit.
    public static let maximumText = "36500d"

    /// Seconds for `text`; nil when it is not a duration.
    ///
    /// One or more number–unit pairs with units in decreasing order, each at most once
    /// (`d`, `h`, `m`, `s`, `ms`: `1h30m`, not `1s1s` or `5m1h`; `1m 30s` as the tool
    /// prints durations), or one plain number
    /// of seconds. Numbers are ASCII digits with an optional fraction; nothing may be
    /// negative or longer than `maximumSeconds`.
    public static func seconds(_ text: String) -> Double? {
        // What the tool prints (`1h 2m 3.4s`, DurationFormat) reads back: number-unit
        // pairs may be separated by spaces.
        if text.contains(" ") {
            let pairs = text.split(separator: " ")
            guard pairs.count > 1, pairs.allSatisfy({ $0.last?.isLetter == true }) else { return nil }
            return seconds(pairs.joined())
        }
        func number(_ digits: Substring) -> Double? {
            guard !digits.isEmpty, digits.filter({ $0 == "." }).count <= 1, digits != "." else { return nil }
            return Double(digits)
        }
        let isNumeral: (Character) -> Bool = { $0 == "." || ($0.isASCII && $0.isNumber) }
        var total = 0.0
        if text.allSatisfy(isNumeral) {
            guard let plain = number(Substring(text)) else { return nil }
            total = plain
        } else {
            let units: [(name: Substring, seconds: Double)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1),
                                                              ("ms", 0.001)]
            var next = 0
            var rest = Substring(text)
            while !rest.isEmpty {
                let digits = rest.prefix(while: isNumeral)
                guard let value = number(digits) else { return nil }
                rest = rest.dropFirst(digits.count)
                let unit = rest.prefix { $0.isASCII && $0.isLetter }
                rest = rest.dropFirst(unit.count)
                guard let position = units[next...].firstIndex(where: { $0.name == unit }) else { return nil }
                total += value * units[position].seconds
                next = position + 1
            }
        }
        guard total.isFinite, total <= maximumSeconds else { return nil }
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
