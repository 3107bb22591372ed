/// A wall-clock instant, in microseconds since the Unix epoch.
///
/// Printed the way the AgentOps SDK prints `datetime.now(timezone.utc).isoformat()`:
/// `2026-11-21T05:22:32.500398+00:00`, always with six fraction digits so that stored
/// timestamps sort as strings.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    /// An instant from microseconds since the epoch.
    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// The current time (one `clock_gettime`, a vDSO call: cheap enough for every read).
    public static func now() -> Timestamp {
        Timestamp(microseconds: Clock.wallMicroseconds())
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// Seconds from `self` to `later` (exact for any two parsed timestamps; computed in
    /// `Double` so that no pair of instants can overflow).
    public func seconds(until later: Timestamp) -> Double {
        let (difference, overflow) = later.microseconds.subtractingReportingOverflow(microseconds)
        return overflow ? (Double(later.microseconds) - Double(microseconds)) / 1e6 : Double(difference) / 1e6
    }

    /// `self` moved by `microseconds`, held at the ends of the range instead of trapping.
    public func adding(microseconds delta: Int64) -> Timestamp {
        let (sum, overflow) = microseconds.addingReportingOverflow(delta)
        return Timestamp(microseconds: overflow ? (delta > 0 ? .max : .min) : sum)
    }

    /// ISO 8601 in UTC with microseconds and `+00:00`.
    public var description: String {
        String(unsafeUninitializedCapacity: 32) { out in write(to: out.baseAddress!) }
    }

    /// Appends `description`'s bytes to `out` without making a `String`: every event
    /// carries two timestamps, and the listener folds tens of thousands of events a second.
    public func write(into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            let count = write(to: buffer.baseAddress!)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Writes the text, digit by digit, at `out` (32 bytes of room); returns its length.
    private func write(to out: UnsafeMutablePointer<UInt8>) -> Int {
        var seconds = microseconds / 1_000_000
        var micros = Int(microseconds % 1_000_000)
        if micros < 0 { micros += 1_000_000; seconds -= 1 }
        let parts = CalendarTime.utc(seconds)
        var index = 0
        // `width` digits of `value`'s magnitude (a year past 9999 keeps its last four).
        func put(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value.magnitude % UInt(divisor * 10)
            while divisor > 0 {
                out[index] = UInt8(ascii: "0") + UInt8(rest / UInt(divisor))
                rest %= UInt(divisor)
                divisor /= 10
                index += 1
            }
        }
        func put(_ character: Unicode.Scalar) {
            out[index] = UInt8(ascii: character)
            index += 1
        }
        put(parts.year, 4); put("-"); put(parts.month, 2); put("-")
        put(parts.day, 2); put("T"); put(parts.hour, 2); put(":"); put(parts.minute, 2)
        put(":"); put(parts.second, 2); put("."); put(micros, 6)
        for character in "+00:00".unicodeScalars { put(character) }
        return index
    }

    /// Parses the ISO 8601 forms the SDK and the server write: `Z` or `±HH:MM`, with or
    /// without a fraction (Python omits it when the microseconds are zero).
    public init?(iso8601 text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Timestamp(iso8601Bytes: $0) }) else { return nil }
        self = parsed
    }

    /// Parses the bytes of an ISO 8601 text (see `init(iso8601:)`).
    init?(iso8601Bytes b: UnsafeBufferPointer<UInt8>) {
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        guard b.count >= 19, let year = number(0, 4), b[4] == 0x2D, let month = number(5, 2), b[7] == 0x2D,
              let day = number(8, 2), b[10] == UInt8(ascii: "T") || b[10] == 0x20,
              let hour = number(11, 2), b[13] == 0x3A, let minute = number(14, 2), b[16] == 0x3A,
              let second = number(17, 2) else { return nil }
        var index = 19
        var micros = 0
        if index < b.count, b[index] == 0x2E {
            index += 1
            var digits = 0
            while index < b.count, b[index] >= 0x30, b[index] <= 0x39 {
                if digits < 6 { micros = micros * 10 + Int(b[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offsetSeconds = 0
        if index < b.count, b[index] == UInt8(ascii: "Z") {
            index += 1
        } else if index < b.count, b[index] == 0x2B || b[index] == 0x2D {
            guard let oh = number(index + 1, 2), index + 3 < b.count, b[index + 3] == 0x3A,
                  let om = number(index + 4, 2) else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[index] == 0x2D ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        // Refuse dates that do not exist (a calendar would normalise 2026-13-45 into
        // 2027-02-14), and offsets no zone has.
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = month == 2 ? (leap ? 29 : 28) : month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31
        guard (1...12).contains(month), (1...monthDays).contains(day), hour <= 23, minute <= 59, second <= 59,
              abs(offsetSeconds) <= 18 * 3600 else { return nil }
        let epoch = Int64(Self.daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        self.microseconds = epoch * 1_000_000 + Int64(micros)
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (what `timegm`
    /// computes, without its normalising and its cost: H. Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
