/// Counts of instants (output lines) over time, in constant memory and one pass,
/// before the length of the time axis is known: a fixed number of bins whose width
/// doubles (merging neighbours) whenever an instant falls past the last one.
public struct TimeHistogram: Sendable, Equatable {
    /// Width of one bin, in seconds.
    public private(set) var binSeconds: Double
    /// Counts per bin, from the start.
    public private(set) var counts: [Int]

    /// A histogram of `bins` bins, `binSeconds` wide to begin with.
    public init(bins: Int = 2048, binSeconds: Double = 0.001) {
        self.binSeconds = binSeconds
        counts = Array(repeating: 0, count: max(bins, 2))
    }

    /// Counts one instant, `seconds` after the start (earlier ones count as 0).
    public mutating func add(_ seconds: Double) {
        let time = max(seconds, 0)
        while time >= binSeconds * Double(counts.count) {
            let half = counts.count / 2
            for index in 0..<half { counts[index] = counts[2 * index] + counts[2 * index + 1] }
            for index in half..<counts.count { counts[index] = 0 }
            binSeconds *= 2
        }
        counts[min(Int(time / binSeconds), counts.count - 1)] += 1
    }

    /// The counts regrouped into `count` bins over `span` seconds (a bin's counts go
    /// where its middle falls; ones past the span go to the last).
    public func rebinned(span: Double, count: Int) -> [Int] {
        let geometry = WaterfallGeometry(span: span, width: 1)
        var result = Array(repeating: 0, count: count)
        for (index, value) in counts.enumerated() where value > 0 {
            result[geometry.bin((Double(index) + 0.5) * binSeconds, count: count)] += value
        }
        return result
    }
}
