/// Where things go on the report's timeline: one time axis from the session's start
/// to its end, mapped onto a plot `width` units wide.
public struct WaterfallGeometry: Sendable, Equatable {
    /// Seconds the axis spans (at least a millisecond, so a zero-length session still
    /// has an axis).
    public let span: Double
    /// Width of the plot, in SVG user units.
    public let width: Double
    /// The narrowest bar drawn, so that instant events (recorded with one timestamp)
    /// stay visible and clickable.
    public let minimumBarWidth: Double

    /// An axis of `span` seconds over `width` units.
    public init(span: Double, width: Double, minimumBarWidth: Double = 2) {
        self.span = max(span, 0.001)
        self.width = width
        self.minimumBarWidth = minimumBarWidth
    }

    /// The x of `seconds` after the start, clamped to the plot.
    public func x(_ seconds: Double) -> Double { min(max(seconds / span, 0), 1) * width }

    /// The bar of an event from `start` to `end` seconds after the session's start:
    /// at least `minimumBarWidth` wide, kept inside the plot.
    public func bar(start: Double, end: Double) -> (x: Double, width: Double) {
        let left = x(start)
        let barWidth = max(x(max(end, start)) - left, minimumBarWidth)
        return (min(left, max(width - barWidth, 0)), barWidth)
    }

    /// Lanes for bars so that overlapping ones do not hide each other: each interval,
    /// in the order given (by start), takes the first lane free at its start. Past
    /// `maxLanes` lanes, bars share the last one.
    ///
    /// - Parameter intervals: (start, end) in seconds, sorted by start.
    /// - Returns: the lane of each interval.
    public func lanes(_ intervals: [(start: Double, end: Double)], maxLanes: Int) -> [Int] {
        var laneEnds: [Double] = []
        return intervals.map { interval in
            // Two bars share a lane when they do not overlap on screen, so compare
            // drawn edges rather than times.
            let drawn = bar(start: interval.start, end: interval.end)
            if let free = laneEnds.firstIndex(where: { $0 <= drawn.x }) {
                laneEnds[free] = drawn.x + drawn.width
                return free
            }
            if laneEnds.count < max(maxLanes, 1) {
                laneEnds.append(drawn.x + drawn.width)
                return laneEnds.count - 1
            }
            laneEnds[laneEnds.count - 1] = max(laneEnds[laneEnds.count - 1], drawn.x + drawn.width)
            return laneEnds.count - 1
        }
    }

    /// Axis ticks at a round step (1, 2 or 5 × a power of ten seconds, or whole
    /// minutes and hours) giving at most `maxTicks` intervals.
    ///
    /// - Returns: each tick's seconds and x.
    public func ticks(maxTicks: Int = 10) -> [(seconds: Double, x: Double)] {
        let step = Self.roundStep(span / Double(max(maxTicks, 1)))
        var result: [(Double, Double)] = []
        var index = 0
        while Double(index) * step <= span + step * 1e-9 {
            let seconds = Double(index) * step
            result.append((seconds, x(seconds)))
            index += 1
        }
        return result
    }

    /// The smallest round step at least `raw` seconds.
    static func roundStep(_ raw: Double) -> Double {
        let candidates: [Double] = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
        if raw > 30 {
            return candidates.first { $0 >= raw } ?? (raw / 86400).rounded(.up) * 86400
        }
        var magnitude = 1.0
        while magnitude > raw { magnitude /= 10 }
        while magnitude * 10 <= raw { magnitude *= 10 }
        for factor in [1.0, 2, 5, 10] where magnitude * factor >= raw - 1e-12 { return magnitude * factor }
        return magnitude * 10
    }

    /// Which of `count` equal bins across the axis holds `seconds`.
    public func bin(_ seconds: Double, count: Int) -> Int {
        min(max(Int(seconds / span * Double(count)), 0), count - 1)
    }

    /// A tick's label: `0s`, `250ms`, `1.5s`, `2m`, `1h 30m`.
    public static func label(_ seconds: Double) -> String {
        if seconds == 0 { return "0s" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 {
            let tenths = Int((seconds * 10).rounded())
            return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
        }
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total % 3600 / 60, total % 60)
        var parts: [String] = []
        if hours > 0 { parts.append("\(hours)h") }
        if minutes > 0 { parts.append("\(minutes)m") }
        if rest > 0 { parts.append("\(rest)s") }
        return parts.joined(separator: " ")
    }
}
