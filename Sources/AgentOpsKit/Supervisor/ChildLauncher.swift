import AgentOpsExec
import Foundation

/// Starts the command with Foundation `Process`, working around what it does on Linux.
public enum ChildLauncher {
    /// Serialises launches: the signal mask swap below is per thread, but Foundation's
    /// spawn path is not meant to run concurrently with another mask swap.
    private static let lock = NSLock()

    /// Launches `executable` with `arguments` (argv[1…]) and `environment`, stdin,
    /// stdout and stderr on the given descriptors, the working directory inherited.
    ///
    /// Through the `ExecHelper` (when `ExecHelperLocation` is enabled) the command gets exactly descriptors
    /// 0–2 and `inherited` under their own numbers, nothing of Foundation's, and with
    /// `controllingTerminal` a new session whose controlling terminal is `stdin`.
    /// Without it (tests of this type alone) Foundation's own spawn is all there is.
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
                              stdin: Int32 = 0, stdout: Int32, stderr: Int32, inherited: [Int32] = [],
                              controllingTerminal: Bool = false,
                              terminationHandler: @escaping @Sendable (Process) -> Void) throws(LaunchError) -> Process {
        let process = Process()
        process.environment = environment
        process.terminationHandler = terminationHandler
        guard let helper = ExecHelperLocation.launchPrefix, let helperPath = helper.first else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if stdin != 0 { process.standardInput = FileHandle(fileDescriptor: stdin, closeOnDealloc: false) }
            process.standardOutput = FileHandle(fileDescriptor: stdout, closeOnDealloc: false)
            process.standardError = FileHandle(fileDescriptor: stderr, closeOnDealloc: false)
            try run(process, executable: executable)
            return process
        }
        guard let (ours, helpers) = Descriptors.socketPair() else {
            throw .cannotPrepare(what: "a socket for the exec helper", reason: errnoText())
        }
        defer { Descriptors.close(ours) }
        process.executableURL = URL(fileURLWithPath: helperPath)
        process.arguments = helper.dropFirst() + [executable] + arguments
        process.standardInput = FileHandle(fileDescriptor: helpers, closeOnDealloc: false)
        var fileLimit: UInt?
        do {
            try run(process, executable: executable, lowerFileLimit: { fileLimit = SpawnFileLimit.lower() },
                    restoreFileLimit: { if let fileLimit { SpawnFileLimit.restore(fileLimit) } })
        } catch {
            Descriptors.close(helpers)
            throw error
        }
        Descriptors.close(helpers)
        let payload = ExecHelper.payload(controllingTerminal: controllingTerminal, fileLimit: fileLimit,
                                         targets: [0, 1, 2] + inherited)
        guard DescriptorPassing.send([stdin, stdout, stderr] + inherited, payload: payload, over: ours) else {
            Signals.send(SignalNumber.kill, to: process.processIdentifier)
            throw .cannotPrepare(what: "the exec helper's descriptors", reason: errnoText())
        }
        // End of file: the command was exec'd (the helper's end is close-on-exec).
        // Waiting for it also means its session exists before any signal is routed.
        var code: Int32 = 0
        let n = withUnsafeMutableBytes(of: &code) { Descriptors.read(ours, into: $0) }
        if n == 4 { throw .notExecutable(path: executable, reason: errnoText(code)) }
        return process
    }

    /// `process.run()` with the start-up signal mask; `lowerFileLimit` and
    /// `restoreFileLimit` run around it under the same lock (`SpawnFileLimit`).
    private static func run(_ process: Process, executable: String, lowerFileLimit: () -> Void = {},
                            restoreFileLimit: () -> Void = {}) throws(LaunchError) {
        lock.lock()
        defer { lock.unlock() }
        lowerFileLimit()
        defer { restoreFileLimit() }
        let callerMask = StartupSignals.mask.apply()
        defer { callerMask.apply() }
        do {
            try process.run()
        } catch {
            let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code ?? (error as NSError).code
            let reason = code > 0 && code < 200 ? errnoText(Int32(code)) : "\(error)"
            throw .notExecutable(path: executable, reason: reason)
        }
    }
}
