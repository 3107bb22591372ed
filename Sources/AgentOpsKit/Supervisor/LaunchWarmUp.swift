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
    /// Why the set-up was not done in time, once it was not: later launches give up at
    /// once, for the same reason. `nonisolated(unsafe)`: only the main thread, which
    /// makes every spawn of a run, reads and writes it.
    nonisolated(unsafe) private static var failure: String?

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
    /// none. Says why not when it was not done within `deadline` (Foundation could not
    /// start its thread, and a spawn would wait for ever), or sooner when a `ulimit -v`
    /// leaves less room than the run needs once the command runs
    /// (`AddressSpaceHeadroom`): the thread's stack did not fit, and the launch would be
    /// refused for that anyway, after 10 s instead of at once (hostile pass, round 11).
    /// Every spawn of a run asks first; nil means ready.
    public static func awaitFoundation() -> String? {
        guard let setUp else { return nil }
        if let failure { return failure }
        let end = DispatchTime.now() + deadline
        while setUp.wait(timeout: min(.now() + 0.1, end)) == .timedOut {
            if let shortfall = AddressSpaceHeadroom.shortfall() {
                failure = shortfall
                return shortfall
            }
            guard DispatchTime.now() < end else {
                failure = "it did not start within \(Int(deadline)) s (is ulimit -u or ulimit -v too low?)"
                return failure
            }
        }
        setUp.signal()
        return nil
    }
}
