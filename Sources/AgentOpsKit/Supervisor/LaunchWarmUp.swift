import Foundation

/// The Swift runtime's first-use work on the launch path, done early on a thread of its
/// own.
///
/// The first time a generic type such as `[Int32: Int32]` is made, or a value is cast
/// from `Any`, the runtime looks the conformance up by scanning all of the binary's
/// 5,000 conformance records, then caches it for the whole process. Foundation's spawn
/// makes three such first lookups on the launching thread (its `standardInput` setter's
/// cast, `URL.path`'s byte set, `run()`'s dup2 table): about 0.2 ms of every start,
/// measured with `perf record` (issue 18). Foundation's first `run()` also starts its
/// process manager thread and waits until that thread runs (a new thread here first runs
/// 0.2 ms or more after its creation). Made here first, beside option handling, all of
/// it is done or under way by the time the spawn needs it. Nothing waits for this
/// thread.
enum LaunchWarmUp {
    /// Starts the thread.
    static func start() {
        PlainThread.start(name: "agentops-run warm-up") {
            let process = Process()
            process.standardInput = FileHandle.nullDevice
            process.executableURL = URL(fileURLWithPath: "/")
            var moves: [Int32: Int32] = [:]
            moves[0] = Int32(process.executableURL?.path.utf8.count ?? 0)
            withExtendedLifetime(moves) {}
            // Foundation's first `run()` starts its process manager thread and waits
            // until that thread's run loop runs. A `run()` without an executable does
            // that, then throws before anything is spawned.
            try? Process().run()
        }
    }
}
