import Foundation
import Glibc

/// Starts the command with Foundation `Process`, working around what it does on Linux.
public enum ChildLauncher {
    /// Serialises launches: the signal mask swap below is per thread, but Foundation's
    /// spawn path is not meant to run concurrently with another mask swap.
    private static let lock = NSLock()

    /// Launches `executable` with `arguments` (argv[1…]) and `environment`, stdout and
    /// stderr on the given descriptors, stdin and working directory inherited.
    ///
    /// The calling thread's signal mask is set to the start-up mask around `run()`,
    /// because Foundation's `posix_spawn` (only `POSIX_SPAWN_SETPGROUP`) gives the child
    /// the caller's mask: a dispatch or cooperative-pool thread would hand it SIGINT,
    /// SIGTERM and SIGHUP blocked (swift-corelibs-foundation#4772), and a mask that was
    /// blocked when agentops-run started must stay blocked.
    ///
    /// - Returns: the running process (its own process group leader: Foundation always
    ///   spawns with `POSIX_SPAWN_SETPGROUP`).
    /// - Throws: `LaunchError.notExecutable` when the kernel refuses the file.
    public static func launch(executable: String, arguments: [String], environment: [String: String],
                              stdout: Int32, stderr: Int32,
                              terminationHandler: @escaping @Sendable (Process) -> Void) throws(LaunchError) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle(fileDescriptor: stdout, closeOnDealloc: false)
        process.standardError = FileHandle(fileDescriptor: stderr, closeOnDealloc: false)
        process.terminationHandler = terminationHandler

        lock.lock()
        defer { lock.unlock() }
        var startupMask = StartupSignals.mask
        var callerMask = sigset_t()
        pthread_sigmask(SIG_SETMASK, &startupMask, &callerMask)
        defer { pthread_sigmask(SIG_SETMASK, &callerMask, nil) }
        do {
            try process.run()
        } catch {
            let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code ?? (error as NSError).code
            let reason = code > 0 && code < 200 ? errnoText(Int32(code)) : "\(error)"
            throw .notExecutable(path: executable, reason: reason)
        }
        return process
    }
}
