import Foundation

/// Records the pump's big events on a thread of its own, so the pump goes on reading and
/// passing the command's output through while a megabyte of lines is encoded and
/// appended to the session log.
///
/// A flood of short lines closes a 1 MiB event every few milliseconds, and its JSON
/// takes about as long to make as the command takes to write the next megabyte: on the
/// pump's thread the command's pipe (1 MiB) filled meanwhile, the command waited, and
/// nothing passed through (BENCHMARKS.md, 20 M lines, round 4). A small event is still
/// recorded on the pump's thread when nothing is waiting here: handing it over would
/// cost more than recording it, and a command printing now and then never starts the
/// thread.
///
/// Order is kept: events are recorded in the order they are given, one at a time; one
/// recorded in place never overtakes one handed over. Memory is bounded: beyond
/// `maxPendingBytes` waiting, the pump waits, as it did when it recorded everything
/// itself.
///
/// `@unchecked Sendable`: everything mutable is guarded by `condition`.
final class RecordingQueue: @unchecked Sendable {
    /// Events with at least this much text are handed over.
    static let handOffBytes = 64 << 10
    /// At most this much text waits (besides the event being recorded), each event
    /// counted with `entryBytes` more, so that tiny events queued behind a big one are
    /// bounded in number too.
    static let maxPendingBytes = 2 << 20
    static let entryBytes = 512

    private let condition = NSCondition()
    private var pending: [(bytes: Int, record: () -> Void)] = []
    /// `pending` from this index on is still to record (the rest is taken, released).
    private var head = 0
    private var pendingBytes = 0
    private var recording = false
    private var started = false
    /// No thread could be started: everything is recorded by the caller.
    private var inline = false
    private var closing = false
    private var stopped = false

    /// Records with `record` an event of `bytes` bytes of text: here and now when it is
    /// small and nothing waits, else on the queue's thread.
    func record(bytes: Int, _ record: @escaping () -> Void) {
        condition.lock()
        if inline || head == pending.count && !recording && bytes < Self.handOffBytes {
            condition.unlock()
            record()
            return
        }
        let cost = bytes + Self.entryBytes
        while pendingBytes > 0, pendingBytes + cost > Self.maxPendingBytes { condition.wait() }
        pending.append((cost, record))
        pendingBytes += cost
        if !started {
            started = true
            if !PlainThread.start(name: "agentops-run recording", { [self] in run() }) {
                // No thread to be had (`ulimit -u`): this and every later event is
                // recorded on the pump's thread, in order, as before the queue existed.
                started = false
                inline = true
                let waiting = pending[head...].map(\.record)
                pending = []
                head = 0
                pendingBytes = 0
                condition.unlock()
                for record in waiting { record() }
                return
            }
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until everything given was recorded, then ends the thread.
    func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while started, !stopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            while head == pending.count, !closing { condition.wait() }
            guard head < pending.count else { break }
            let next = pending[head]
            // Released now: an event's text is a megabyte.
            pending[head] = (0, {})
            head += 1
            if head == pending.count || head >= 1024 && head * 2 >= pending.count {
                pending.removeFirst(head)
                head = 0
            }
            recording = true
            condition.unlock()
            next.record()
            condition.lock()
            recording = false
            pendingBytes -= next.bytes
            condition.broadcast()
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
