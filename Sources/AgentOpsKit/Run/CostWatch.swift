import Foundation

/// `--max-cost`: follows the session log while the command runs and stops the command
/// (through the `Supervisor`, as the timeout does) once the session's cost passes the
/// limit.
///
/// It follows the log rather than hooking the `Recorder` because the log is where every
/// LLM call lands: `agentops event llm` run by the command, a nested agentops-run and
/// the SDK listener all append to it, and only the listener's go through this
/// process's recorder. Every `interval` it reads only the bytes added since the last
/// look (`SessionLog.read(path:from:)`) and folds them into a `SessionSummary`, which
/// keeps tokens per model, not events; pricing that is a few multiplications. So the
/// watch costs one `read` of new bytes five times a second, and the command is stopped
/// at most `interval` after the call that crossed the limit was recorded.
final class CostWatch: Sendable {
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// False when no thread could be had to watch with (`ulimit -u`): nothing is
    /// watched, and the caller says so.
    let isWatching: Bool

    /// Starts watching the log at `path` on a thread of its own.
    ///
    /// - Parameters:
    ///   - limit: USD; the command is stopped when the cost is above it.
    ///   - signal: the signal the supervisor sends (the timeout's), named in the reason.
    ///   - supervisor: stops the command.
    ///   - interval: seconds between looks.
    init(path: String, limit: Decimal, prices: PriceTable, signal: Int32, supervisor: Supervisor,
         interval: Double = 0.2) {
        let watching = PlainThread.start(name: "agentops-run cost watch") { [stopped, finished] in
            var summary: SessionSummary?
            var offset = 0
            while stopped.wait(timeout: .now() + interval) == .timedOut {
                if let end = try? SessionLog.read(path: path, from: offset, visit: { record, _ in
                    SessionSummary.fold(record, into: &summary)
                }).end {
                    offset = end
                }
                guard let cost = summary?.cost(prices), cost > limit else { continue }
                if supervisor.stopForLimit(.costLimit(limit: limit, cost: cost, signal: signal)) { break }
            }
            finished.signal()
        }
        // No thread to watch with (`ulimit -u`): nothing is watched, and `stop` does not
        // wait for a thread that never ran.
        if !watching { finished.signal() }
        isWatching = watching
    }

    /// Stops watching (the command has ended) and waits for the thread.
    func stop() {
        stopped.signal()
        finished.wait()
    }
}
