import Foundation

/// The Swift runtime's and Foundation's first-use work on the launch path, done early
/// on a thread of its own.
///
/// - Foundation's first `run()` starts its process manager thread and waits until that
///   thread runs (a new thread here first runs 0.2 ms or more after its creation).
/// - The first time a generic type such as `[Int32: Int32]` is made, or a value is cast
///   from `Any`, the runtime looks the conformance up by scanning all of the binary's
///   5,000 conformance records, then caches it for the whole process. Foundation's spawn
///   makes three such first lookups on the launching thread (its `standardInput`
///   setter's cast, `URL.path`'s byte set, `run()`'s dup2 table): about 0.2 ms of every
///   start, measured with `perf record` (issue 18).
///
/// Made here first, beside option handling, all of it is done or under way by the time
/// the spawn needs it.
///
/// Foundation's set-up waits for ever when its thread cannot be created (`ulimit -u`),
/// and so would every spawn after it: the launch waits for the set-up here with a
/// deadline instead (`foundationReady`), and a run whose warm-up thread itself cannot
/// be started stops at once, before anything, with one line (round 6's hostile pass
/// found such runs hanging).
public enum LaunchWarmUp {
    /// Signalled once Foundation's set-up is done. `nonisolated(unsafe)`: set by
    /// `start()` on the main thread before the warm-up thread exists, only read after.
    nonisolated(unsafe) private static var setUp: DispatchSemaphore?
    /// Set when the set-up was not done in time: later launches give up at once.
    /// `nonisolated(unsafe)`: only the main thread, which makes every spawn of a run,
    /// reads and writes it.
    nonisolated(unsafe) private static var setUpFailed = false

    /// Starts the thread; why not when no thread could be had.
    static func start() -> SystemError? {
        let done = DispatchSemaphore(value: 0)
        setUp = done
        let started = PlainThread.start(name: "agentops-run warm-up") {
            // Without an executable, `run()` makes Foundation's set-up, then throws
            // before anything is spawned.
            try? Process().run()
            done.signal()
            let process = Process()
            process.standardInput = FileHandle.nullDevice
            process.executableURL = URL(fileURLWithPath: "/")
            var moves: [Int32: Int32] = [:]
            moves[0] = Int32(process.executableURL?.path.utf8.count ?? 0)
            withExtendedLifetime(moves) {}
        }
        guard started else {
            let error = SystemError()
            setUp = nil
            return error
        }
        return nil
    }

    /// How long a spawn waits for Foundation's set-up: well beyond the fraction of a
    /// millisecond it takes on a loaded machine.
    public static let deadline = 10.0

    /// Waits until Foundation's set-up begun by `start()` is done; at once when there is
    /// none. False when it was not done within `deadline`: Foundation could not start its
    /// thread, and a spawn would wait for ever. Every spawn of a run asks first.
    public static func foundationReady() -> Bool {
        guard let setUp else { return true }
        guard !setUpFailed, setUp.wait(timeout: .now() + deadline) == .success else {
            setUpFailed = true
            return false
        }
        setUp.signal()
        return true
    }
}
