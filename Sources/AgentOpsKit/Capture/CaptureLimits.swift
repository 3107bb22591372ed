/// How captured output is cut into events.
public struct CaptureLimits: Sendable, Equatable {
    /// Lines read within this many microseconds of an event's first line join that
    /// event; 0 makes every line its own event.
    public var eventWindowMicroseconds: Int64
    /// A line longer than this is recorded cut, with a marker saying how many bytes
    /// were left out (pass-through is never cut).
    public var maxLineBytes: Int
    /// An event is closed early once its text reaches this size, so a flood gives
    /// bounded events however fast it is.
    public var maxEventBytes: Int
    /// Recorded bytes per stream (`CaptureBudget`); 0 records no output.
    public var capturePerStream: Int

    /// The defaults: 100 ms window, 64 KiB lines, 1 MiB events, 16 MiB per stream.
    public static let standard = CaptureLimits(eventWindowMicroseconds: 100_000, maxLineBytes: 64 << 10,
                                               maxEventBytes: 1 << 20, capturePerStream: 16 << 20)

    /// Limits with the given values.
    public init(eventWindowMicroseconds: Int64, maxLineBytes: Int, maxEventBytes: Int,
                capturePerStream: Int = 16 << 20) {
        self.eventWindowMicroseconds = eventWindowMicroseconds
        self.maxLineBytes = maxLineBytes
        self.maxEventBytes = maxEventBytes
        self.capturePerStream = capturePerStream
    }
}
