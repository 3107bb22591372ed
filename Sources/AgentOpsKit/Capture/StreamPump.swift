import Foundation
import Glibc

/// Moves one of the child's output streams: a dedicated thread reads the pipe,
/// passes every byte through to the wrapper's own descriptor first, then records it.
///
/// A thread with blocking `read(2)` rather than `FileHandle.readabilityHandler`,
/// whose Linux implementation spins on empty reads and can miss EOF. The thread polls
/// the pipe together with a wake-up pipe, so the supervisor can stop it once the
/// child has exited and a background grandchild still holds the pipe open.
public final class StreamPump: @unchecked Sendable {
    /// The stream this pump moves.
    public let stream: OutputStream
    private let readFD: Int32
    private let outputFD: Int32
    private let sink: CapturedEventSink?
    private let limits: CaptureLimits
    private let wake: WakePipe
    private let finished = DispatchSemaphore(value: 0)

    /// A pump from `readFD` (the parent's end of the child's pipe) to `outputFD`.
    ///
    /// - Parameters:
    ///   - sink: where the stream's events go; nil passes through without recording
    ///     (an outer agentops-run already records this stream).
    public init(stream: OutputStream, readFD: Int32, outputFD: Int32, sink: CapturedEventSink?,
                limits: CaptureLimits) {
        self.stream = stream
        self.readFD = readFD
        self.outputFD = outputFD
        self.sink = sink
        self.limits = limits
        self.wake = WakePipe()
    }

    /// Starts the thread.
    public func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "agentops-run \(stream.rawValue)"
        thread.start()
    }

    /// Waits until the stream ends (EOF) or `deadline` passes; true when it ended.
    public func waitForEnd(until deadline: DispatchTime) -> Bool {
        guard finished.wait(timeout: deadline) == .success else { return false }
        finished.signal()
        return true
    }

    /// Stops reading after passing on what is already in the pipe, and waits for the
    /// thread to finish recording.
    public func stop() {
        wake.signal()
        finished.wait()
        finished.signal()
    }

    private func run() {
        var lines = sink.map { StreamRecorder(stream: stream, sink: $0, limits: limits) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
        defer { buffer.deallocate() }
        var fds = [pollfd(fd: readFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wake.readFD, events: Int16(POLLIN), revents: 0)]
        while true {
            var timeout: Int32 = -1
            if let deadline = lines?.deadline {
                let remaining = deadline.microseconds - Timestamp.now().microseconds
                timeout = remaining <= 0 ? 0 : Int32(min((remaining + 999) / 1000, 60_000))
            }
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 {
                lines?.flushIfDue(at: .now())
                continue
            }
            if fds[1].revents != 0 {
                drainAvailable(buffer: buffer, lines: &lines)
                break
            }
            let n = read(readFD, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                // EIO: a pseudo-terminal whose last writer closed it (its EOF).
                break
            }
            if n == 0 { break }
            if !consume(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), lines: &lines) { break }
        }
        close(readFD)
        lines?.finish(at: .now())
    }

    /// Passes a chunk through, then records it; false when our reader went away.
    private func consume(_ chunk: UnsafeRawBufferPointer, lines: inout StreamRecorder?) -> Bool {
        let passed = passThrough(chunk)
        lines?.feed(chunk, at: .now())
        return passed
    }

    /// After a stop request: passes on only what is in the pipe right now, so a
    /// grandchild writing forever cannot keep the wrapper alive.
    private func drainAvailable(buffer: UnsafeMutableRawBufferPointer, lines: inout StreamRecorder?) {
        var available: Int32 = 0
        guard ioctl(readFD, UInt(FIONREAD), &available) == 0 else { return }
        var left = Int(available)
        while left > 0 {
            let n = read(readFD, buffer.baseAddress, min(left, buffer.count))
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return }
            left -= n
            if !consume(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), lines: &lines) { return }
        }
    }

    /// Writes the whole chunk to the wrapper's output. On EPIPE (the reader of our
    /// output went away, as in `| head -1`) returns false: the caller closes the
    /// child's pipe, so the child's next write fails with EPIPE/SIGPIPE exactly as
    /// it would have without the wrapper.
    private func passThrough(_ chunk: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < chunk.count {
            let n = write(outputFD, chunk.baseAddress! + offset, chunk.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { return false }
                // Our output is unusable (closed, full disk): keep capturing regardless.
                break
            }
            offset += n
        }
        return true
    }
}

/// A pipe used only to wake a thread blocked in `poll`.
final class WakePipe: @unchecked Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() {
        let pair = PipePair.make(nonBlockingWrite: true)
        readFD = pair?.read ?? -1
        writeFD = pair?.write ?? -1
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }
}
