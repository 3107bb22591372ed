import Foundation

/// Moves the child's output streams: one dedicated thread polls all of their pipes,
/// passes every chunk through to the wrapper's own descriptor first, then records it.
///
/// One thread for all streams, not one per stream: chunks are passed on in the order
/// they arrive, so a command alternating stdout and stderr lines keeps its order in a
/// shared destination (`2>&1`) whenever the writes are far enough apart for `poll` to
/// see them one at a time. Pipes carry no timestamps: two writes to different streams
/// that land between two polls can come out in either order. How far apart is enough
/// is this thread's wake-up latency: well under 1 ms on an idle machine, several ms
/// when the CPUs are oversubscribed (measured in the README).
///
/// A pipe's turn reads its backlog, what it holds as the turn begins (`FIONREAD`), in
/// pieces of 32 KiB, or of the whole read buffer when the writer is a buffer or more
/// ahead: a read holds the pipe's lock while the kernel copies, and a writer keeping
/// pace spun on it (`mutex_spin_on_owner`, 7% of seq's samples with 256 KiB reads).
/// When the backlog was a stdio buffer (4 KiB) or more but less than 128 KiB, the
/// thread pauses 0.2 ms before it polls again (`floodPause`): a reader waiting on an
/// empty pipe is woken by every write into it, and the writer pays for that wake-up;
/// at 20 M short lines (`seq`, 4 KiB writes) about 10,000 of them, 40 ms of seq's own
/// CPU on this VM, where `tee`, busy with its file, is seldom waiting. Pausing lets the
/// 1 MiB pipe fill: about 1,500 turns instead. Output after a pause is passed on at
/// most 0.2 ms later; the first bytes after a quiet spell, small writes and terminals
/// never wait. Measured in `scripts/bench-lines` (BENCHMARKS.md, round 14).
///
/// A thread with blocking `read(2)` rather than `FileHandle.readabilityHandler`,
/// whose Linux implementation spins on empty reads and can miss EOF. The thread polls
/// the pipes together with a wake-up pipe, so the supervisor can stop it once the
/// child has exited and a background grandchild still holds a pipe open.
///
/// `@unchecked Sendable`: its sources and limits are immutable; the reading state
/// belongs to its one thread, and the rest is semaphores and the wake pipe.
public final class StreamPump: @unchecked Sendable {
    /// One stream the pump moves.
    public struct Source: Sendable {
        /// The stream.
        public var stream: OutputStream
        /// The parent's end of the child's pipe or pseudo-terminal.
        public var readFD: Int32
        /// Where its bytes pass through to.
        public var outputFD: Int32
        /// Where its events go; nil passes through without recording (an outer
        /// agentops-run already records this stream).
        public var sink: CapturedEventSink?

        /// A stream read from `readFD` and passed on to `outputFD`.
        public init(stream: OutputStream, readFD: Int32, outputFD: Int32, sink: CapturedEventSink?) {
            self.stream = stream
            self.readFD = readFD
            self.outputFD = outputFD
            self.sink = sink
        }
    }

    private let sources: [Source]
    private let limits: CaptureLimits
    /// How long the thread pauses after a flood's turn (see above), in microseconds.
    static let floodPause: UInt32 = 200
    /// The least a read brings to count as a flood's: a stdio buffer of a pipe.
    static let floodReadBytes = 4096
    /// The backlog from which a writer is too fast to pause for: `head -c` writes near
    /// 4 GB/s and filled much of the pipe during a pause, waiting on it (1 GiB: 1.13×
    /// round 13's time pausing under 256 KiB, 1.08× under 128 KiB); `seq` at 0.56 GB/s
    /// leaves about 112 KiB and pauses every other turn at least.
    static let floodBacklogLimit = 1 << 17
    /// The most one read of a pipe takes (see above).
    static let pipeReadBytes = 1 << 15
    private let wake: WakePipe
    private let finished = DispatchSemaphore(value: 0)
    /// The read buffer, page-aligned: the kernel copies a pipe's pages to it at full
    /// speed only then (`CaptureRing`). Taken by `start`, before the command starts:
    /// taken by the thread, under a tight `ulimit -v` it failed once the command ran, in
    /// Swift's allocation trap (second hostile pass, round 10). 256 KiB, or less when
    /// that cannot be had.
    private var buffer: FallibleBuffer?

    /// A pump for `sources`, cutting recorded events with `limits`.
    public init(sources: [Source], limits: CaptureLimits) {
        self.sources = sources
        self.limits = limits
        self.wake = WakePipe()
    }

    /// Whether `start` got its thread; nil before it was called. Only the launching
    /// thread calls `start`.
    private var started: Bool?

    /// Starts the thread; only the first call does anything.
    ///
    /// - Returns: false when no thread or no read buffer could be had (`ulimit -u`,
    ///   `ulimit -v`; `errno` says why): the streams' read ends are closed, and
    ///   `waitForEnd` and `stop` return at once.
    @discardableResult
    public func start() -> Bool {
        if let started { return started }
        buffer = [1 << 18, 1 << 16, 1 << 12].lazy.compactMap { FallibleBuffer(count: $0, alignment: CaptureRing.pageBytes) }
            .first
        let result = buffer != nil && PlainThread.start(name: "agentops-run output") { [self] in
            run()
            finished.signal()
        }
        if !result {
            buffer?.free()
            buffer = nil
            for source in sources { Descriptors.close(source.readFD) }
            finished.signal()
        }
        started = result
        return result
    }

    /// Waits until every stream ended (EOF) or `deadline` passes; true when they did.
    public func waitForEnd(until deadline: DispatchTime) -> Bool {
        guard finished.wait(timeout: deadline) == .success else { return false }
        finished.signal()
        return true
    }

    /// Stops reading after passing on what is already in the pipes, and waits for the
    /// thread to finish recording.
    public func stop() {
        wake.signal()
        finished.wait()
        finished.signal()
    }

    private func run() {
        // One queue for all streams: their events are recorded in the order they closed.
        let queue = RecordingQueue()
        defer { queue.close() }
        var recorders = sources.map { source in
            source.sink.map { StreamRecorder(stream: source.stream, sink: $0, limits: limits, queue: queue) }
        }
        var open = sources.map { _ in true }
        // When several streams are ready at one poll, nothing says which was written
        // first; the one read longest ago is served first, which is right for a command
        // alternating between them (a serial number, not a clock).
        var lastRead = sources.map { _ in 0 }
        var reads = 0
        guard let taken = self.buffer else { return }
        let buffer = taken.bytes
        defer { taken.free() }
        let pipes = sources.map { Descriptors.isPipe($0.readFD) }
        var fds = PollSet(sources.map(\.readFD) + [wake.readFD])
        let wakeIndex = sources.count
        func end(_ index: Int) {
            open[index] = false
            Descriptors.close(sources[index].readFD)
            fds.remove(at: index)
            recorders[index]?.finish(at: .now())
        }
        while open.contains(true) {
            var timeout: Int32 = -1
            // The earliest deadline, without making an array: a flood of small writes
            // wakes this loop tens of thousands of times a second.
            var next: Timestamp?
            for index in recorders.indices {
                if let deadline = recorders[index]?.deadline, next.map({ deadline < $0 }) ?? true { next = deadline }
            }
            if let deadline = next {
                let remaining = deadline.microseconds - Timestamp.now().microseconds
                timeout = remaining <= 0 ? 0 : Int32(min((remaining + 999) / 1000, 60_000))
            }
            let ready = fds.wait(milliseconds: timeout)
            if ready == .interrupted { continue }
            if case .failed = ready { break }
            if ready == .timedOut {
                let now = Timestamp.now()
                for index in recorders.indices { recorders[index]?.flushIfDue(at: now) }
                continue
            }
            if fds.isReady(wakeIndex) {
                for index in sources.indices where open[index] {
                    drainAvailable(sources[index], buffer: buffer, recorder: &recorders[index])
                    end(index)
                }
                break
            }
            var readyIndices = sources.indices.filter { open[$0] && fds.isReady($0) }
            if readyIndices.count > 1 { readyIndices.sort { lastRead[$0] < lastRead[$1] } }
            var pause = false
            for index in readyIndices {
                reads += 1
                lastRead[index] = reads
                guard let flood = readTurn(sources[index], pipe: pipes[index], buffer: buffer,
                                           recorder: &recorders[index]) else {
                    end(index)
                    continue
                }
                pause = pause || flood
            }
            if pause { Clock.sleep(microseconds: Self.floodPause) }
        }
        for index in sources.indices where open[index] { end(index) }
    }

    /// Passes a chunk through, then records it; false when our reader went away.
    private func consume(_ chunk: UnsafeRawBufferPointer, from source: Source, recorder: inout StreamRecorder?) -> Bool {
        let passed = passThrough(chunk, to: source.outputFD)
        recorder?.feed(chunk, at: .now())
        return passed
    }

    /// One stream's turn: a pipe's backlog (what it holds as the turn begins, all of it
    /// written before) read in pieces, or one read of a terminal. True when the backlog
    /// was a flood's that the reader is catching up with (`floodPause`); nil when the
    /// stream ended or our reader went away.
    private func readTurn(_ source: Source, pipe: Bool, buffer: UnsafeMutableRawBufferPointer,
                          recorder: inout StreamRecorder?) -> Bool? {
        guard pipe, let backlog = Descriptors.bytesAvailable(source.readFD), backlog > 0 else {
            // A terminal, or a pipe at its end of file (or that cannot say what it holds).
            return readPiece(source, upTo: buffer.count, buffer: buffer, recorder: &recorder).map { _ in false }
        }
        // Pieces of 32 KiB while the writer is not far ahead (it spins on the pipe's lock
        // while a read copies); whole buffers when it is.
        let piece = backlog >= buffer.count ? buffer.count : min(Self.pipeReadBytes, buffer.count)
        var left = backlog
        while left > 0 {
            // Never more than the backlog: the pipe blocks, and a read past what it holds
            // would wait for the writer.
            guard let n = readPiece(source, upTo: min(piece, left), buffer: buffer, recorder: &recorder) else {
                return nil
            }
            if n == 0 { break }
            left -= min(n, left)
        }
        return Self.isFlood(backlog: backlog)
    }

    /// Whether a pipe's backlog says a flood's writer is slower than the reader: a stdio
    /// buffer or more, and less than `floodBacklogLimit` (more: the writer is near the
    /// reader's pace, and the reader goes on at once).
    static func isFlood(backlog: Int) -> Bool {
        backlog >= floodReadBytes && backlog < floodBacklogLimit
    }

    /// One read of up to `limit` bytes, passed through and recorded: the bytes read (0
    /// when there were none to read), nil when the stream ended or our reader went away.
    private func readPiece(_ source: Source, upTo limit: Int, buffer: UnsafeMutableRawBufferPointer,
                           recorder: inout StreamRecorder?) -> Int? {
        if recorder?.readsInPlace == true { return readInPlace(source, upTo: limit, recorder: &recorder!) }
        let room = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<limit])
        let n = Descriptors.read(source.readFD, into: room)
        if n < 0, SystemError().isWouldBlock { return 0 }
        // n < 0 with EIO: a pseudo-terminal whose last writer closed it (its EOF).
        let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<max(n, 0)])
        return n <= 0 || !consume(chunk, from: source, recorder: &recorder) ? nil : n
    }

    /// Reads a chunk straight into the recorder's capture ring and passes it through
    /// from there (past the capture head, most of a flood): the bytes read (at most the
    /// ring's room before it wraps); nil when the stream ended or our reader went away.
    private func readInPlace(_ source: Source, upTo limit: Int, recorder: inout StreamRecorder) -> Int? {
        var ended = false
        var count = 0
        recorder.feedInPlace(upTo: limit) { target in
            let n = Descriptors.read(source.readFD, into: target)
            guard n > 0 else {
                // n < 0 with EIO: a pseudo-terminal whose last writer closed it (its EOF).
                ended = !(n < 0 && SystemError().isWouldBlock)
                return (0, .now())
            }
            count = n
            ended = !passThrough(UnsafeRawBufferPointer(rebasing: target[0..<n]), to: source.outputFD)
            return (n, .now())
        }
        return ended ? nil : count
    }

    /// After a stop request: passes on only what is in the pipe right now, so a
    /// grandchild writing forever cannot keep the wrapper alive.
    private func drainAvailable(_ source: Source, buffer: UnsafeMutableRawBufferPointer,
                                recorder: inout StreamRecorder?) {
        guard var left = Descriptors.bytesAvailable(source.readFD) else { return }
        while left > 0 {
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(left, buffer.count)])
            let n = Descriptors.read(source.readFD, into: part)
            if n <= 0 { return }
            left -= n
            if !consume(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), from: source, recorder: &recorder) { return }
        }
    }

    /// Writes the whole chunk to the wrapper's output. On EPIPE (the reader of our
    /// output went away, as in `| head -1`) returns false: the caller closes the
    /// child's pipe, so the child's next write fails with EPIPE/SIGPIPE exactly as
    /// it would have without the wrapper.
    private func passThrough(_ chunk: UnsafeRawBufferPointer, to outputFD: Int32) -> Bool {
        if Descriptors.writeAll(chunk, to: outputFD) < chunk.count, SystemError().isBrokenPipe { return false }
        // Anything else left our output unusable (closed, full disk): keep capturing regardless.
        return true
    }
}
