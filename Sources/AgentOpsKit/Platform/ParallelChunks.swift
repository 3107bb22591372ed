import Foundation
import Synchronization

/// Work split into consecutive chunks done on every core: for batches whose items are
/// independent (the spans of an OTLP export, the lines of a log append), so that a
/// 512-span batch is folded on both cores of a small machine instead of one.
enum ParallelChunks {
    /// The most chunks a batch is split into.
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// `body` applied to consecutive ranges covering `0..<count`, in order: one range on
    /// the calling thread when `count` is under `2 * minimumPerChunk`, else up to `cores`
    /// ranges of at least `minimumPerChunk` on Dispatch's worker threads (never the Swift
    /// concurrency pool: nothing here blocks).
    static func map<T: Sendable>(_ count: Int, minimumPerChunk: Int, _ body: @Sendable (Range<Int>) -> T) -> [T] {
        // A small batch (every one written at start-up) never asks for the core count:
        // `activeProcessorCount` reads cgroup files through Foundation (0.45 M
        // instructions, issue 18).
        let most = count / max(1, minimumPerChunk)
        guard most > 1 else { return [body(0..<count)] }
        let chunks = min(cores, most)
        guard chunks > 1 else { return [body(0..<count)] }
        let parts = Mutex<[T?]>(Array(repeating: nil, count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let part = body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
            parts.withLock { $0[chunk] = part }
        }
        return parts.withLock { $0.map { $0! } }
    }
}
