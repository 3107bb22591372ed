import Foundation

/// `SessionLog.read` on a thread of its own, handing the caller records in chunks while
/// it reads and parses the next ones: parsing a record costs about as much as mapping
/// and encoding it (callgrind of an OTLP export: a third of the instructions each), so
/// with two cores an export takes the time of the slower half instead of both.
///
/// Memory stays bounded whatever the log's size: at most `depth` chunks of at most
/// `chunkRecords` records and about `chunkBytes` of log wait for the caller, and the
/// reader stops as soon as the caller does (it throws, or returns).
final class LogReadAhead: @unchecked Sendable {
    /// Records per chunk at most, and bytes of log per chunk about.
    static let chunkRecords = 256
    static let chunkBytes = 1 << 20
    /// Chunks read ahead at most.
    static let depth = 2

    private typealias Chunk = [(record: StoreRecord, end: Int)]
    /// The reader stopped because the caller is gone.
    private struct Cancelled: Error {}

    // Everything below is read and written under `condition`'s lock.
    private let condition = NSCondition()
    private var chunks: [Chunk] = []
    private var finished = false
    private var cancelled = false
    private var outcome: Result<(problems: [SessionLog.Problem], end: Int), any Error> = .success(([], 0))

    private init() {}

    /// Calls `visit` with each valid record of the log at `path`, in file order, as
    /// `SessionLog.read(path:from:visit:)` does (and with what it returns and throws).
    static func read(path: String,
                     visit: (StoreRecord, Int) throws -> Void) throws -> (problems: [SessionLog.Problem], end: Int) {
        let ahead = LogReadAhead()
        // The parser recurses once per nesting level (up to `JSONParser.maxNesting`): the
        // reader gets the main thread's stack, whatever the platform's default
        // (`PlainThread.stackSize`). Without a thread (`ulimit -u`): read here, in turn.
        guard PlainThread.start(name: "agentops read-ahead", { ahead.produce(path: path) }) else {
            return try SessionLog.read(path: path, from: 0, visit: visit)
        }
        // The reader must be gone before this returns, whichever way it returns.
        defer { ahead.stop() }
        while let chunk = ahead.next() {
            for item in chunk { try visit(item.record, item.end) }
        }
        return try ahead.finalOutcome()
    }

    private func produce(path: String) {
        var chunk: Chunk = []
        chunk.reserveCapacity(Self.chunkRecords)
        var bytes = 0
        var last = 0
        let result: Result<(problems: [SessionLog.Problem], end: Int), any Error>
        do {
            let read = try SessionLog.read(path: path, from: 0) { record, end in
                chunk.append((record, end))
                bytes += end - last
                last = end
                if chunk.count >= Self.chunkRecords || bytes >= Self.chunkBytes {
                    try push(chunk)
                    chunk.removeAll(keepingCapacity: true)
                    bytes = 0
                }
            }
            if !chunk.isEmpty { try push(chunk) }
            result = .success(read)
        } catch {
            result = .failure(error)
        }
        condition.lock()
        outcome = result
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for room, then queues `chunk`; throws `Cancelled` once the caller stopped.
    private func push(_ chunk: Chunk) throws {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= Self.depth, !cancelled { condition.wait() }
        if cancelled { throw Cancelled() }
        chunks.append(chunk)
        condition.broadcast()
    }

    /// The next chunk, or nil once the reader finished and everything was taken.
    private func next() -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty, !finished { condition.wait() }
        guard !chunks.isEmpty else { return nil }
        condition.broadcast()
        return chunks.removeFirst()
    }

    /// What the read gave, once every chunk was taken.
    private func finalOutcome() throws -> (problems: [SessionLog.Problem], end: Int) {
        condition.lock()
        defer { condition.unlock() }
        return try outcome.get()
    }

    /// Tells the reader to stop, and waits until it has.
    private func stop() {
        condition.lock()
        defer { condition.unlock() }
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
    }
}
