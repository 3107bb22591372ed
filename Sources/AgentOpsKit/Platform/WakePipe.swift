/// A pipe used only to wake a thread blocked in `poll`: the thread polls `readFD`
/// beside its real work, and `signal()` from any thread makes it return.
///
/// The write end is non-blocking, so `signal()` never blocks: a full pipe already
/// holds a wake-up that has not been seen.
public final class WakePipe: Sendable {
    /// The end the woken thread polls.
    public let readFD: Int32
    private let writeFD: Int32

    /// A new wake pipe; both ends -1 when the process is out of descriptors (the
    /// thread then only wakes for its own descriptors).
    public init() {
        let pair = PipePair.make(nonBlockingWrite: true)
        readFD = pair?.read ?? -1
        writeFD = pair?.write ?? -1
    }

    deinit {
        Descriptors.close(readFD)
        Descriptors.close(writeFD)
    }

    /// Wakes the thread polling `readFD`, now or at its next poll.
    public func signal() {
        var byte: UInt8 = 1
        _ = withUnsafeBytes(of: &byte) { Descriptors.writeAll($0, to: writeFD) }
    }
}
