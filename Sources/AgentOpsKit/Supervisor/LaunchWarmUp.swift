import Foundation

/// The Swift runtime's first-use work on the launch path, done early on a thread of its
/// own.
///
/// The first time a generic type such as `[Int32: Int32]` is made, or a value is cast
/// from `Any`, the runtime looks the conformance up by scanning all of the binary's
/// 5,000 conformance records, then caches it for the whole process. Foundation's spawn
/// makes three such first lookups on the launching thread (its `standardInput` setter's
/// cast, `URL.path`'s byte set, `run()`'s dup2 table): about 0.2 ms of every start,
/// measured with `perf record` (issue 18). Made here first, beside option handling, they
/// are cached by the time the spawn needs them. Nothing waits for this thread.
enum LaunchWarmUp {
    /// Starts the thread.
    static func start() {
        let thread = Thread {
            let process = Process()
            process.standardInput = FileHandle.nullDevice
            process.executableURL = URL(fileURLWithPath: "/")
            var moves: [Int32: Int32] = [:]
            moves[0] = Int32(process.executableURL?.path.utf8.count ?? 0)
            withExtendedLifetime(moves) {}
        }
        thread.name = "agentops-run warm-up"
        thread.start()
    }
}
