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
    /// The most of it kept for the stream's last part (its tail), at most half.
    public var maxTailBytes: Int = 1 << 20
    /// Events of at least this much text are looked for room before they are recorded
    /// (`StreamRecorder.haveRoom`); smaller ones are taken on trust.
    public var roomCheckBytes: Int = 64 << 10

    /// Below this address-space limit (`ulimit -v`), events and the tail are small
    /// (`fitting(addressSpace:)`).
    public static let tightAddressSpace: UInt64 = 512 << 20

    /// These limits under an address-space limit of `bytes` (nil: none): below
    /// `tightAddressSpace`, an event closes at 64 KiB, the tail keeps 64 KiB, and every
    /// event but the smallest is looked for room before it is recorded. A
    /// megabyte's event takes three or four allocations of its size to record (its text,
    /// its string, its JSON), each mapped on its own; there they failed, after the command
    /// had started, in Swift's allocation trap (second hostile pass, round 10), where
    /// 64 KiB ones come from the heap.
    public func fitting(addressSpace bytes: UInt64?) -> CaptureLimits {
        guard let bytes, bytes < Self.tightAddressSpace else { return self }
        var limits = self
        limits.maxEventBytes = min(maxEventBytes, 64 << 10)
        limits.maxTailBytes = min(maxTailBytes, 64 << 10)
        limits.roomCheckBytes = min(roomCheckBytes, 4096)
        return limits
    }

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
