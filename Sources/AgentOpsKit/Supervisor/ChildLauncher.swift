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
    /// `controllingTerminal` a new session whose controlling terminal is `stdin`; a
    /// helper that fails the handshake is replaced by agentops-run's own helper mode
    /// (`ExecHelperLocation`).
    /// Without it (tests of this type alone) Foundation's own spawn is all there is.
    ///
    /// The calling thread's signal mask is set to the start-up mask around `run()`,
    /// because Foundation's `posix_spawn` (only `POSIX_SPAWN_SETPGROUP`) gives the child
    /// the caller's mask: a dispatch or cooperative-pool thread would hand it SIGINT,
    /// SIGTERM and SIGHUP blocked (swift-corelibs-foundation#4772), and a mask that was
    /// blocked when agentops-run started must stay blocked.
    ///
    /// `beforeCommand` is work that must be done before the command starts but not
    /// before the helper does: it runs while the helper is exec'd and starts up (on the
    /// other core), and the command is released only after it returned. Without the
    /// helper it runs before the spawn. It runs at most once, and not at all when the
    /// launch fails before that point.
    ///
    /// - Returns: the running process (its own process group leader: Foundation always
    ///   spawns with `POSIX_SPAWN_SETPGROUP`).
    /// - Throws: `LaunchError.notExecutable` when the kernel refuses the file.
    public static func launch(executable: String, arguments: [String], environment: [String: String],
                              stdin: Int32 = 0, stdout: Int32, stderr: Int32, inherited: [Int32] = [],
                              controllingTerminal: Bool = false, beforeCommand: () -> Void = {},
                              terminationHandler: @escaping @Sendable (Process) -> Void) throws(LaunchError) -> Process {
        let process = Process()
        process.environment = environment
        guard let helper = ExecHelperLocation.launchPrefix, let helperPath = helper.first else {
            beforeCommand()
            process.terminationHandler = terminationHandler
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
        // The caller hears of the end of a helper that proved to be ours only: a foreign
        // one is killed before it could start the command.
        let answer = HelperAnswer()
        process.terminationHandler = { if answer.answered { terminationHandler($0) } }
        process.executableURL = URL(fileURLWithPath: helperPath)
        process.arguments = helper.dropFirst() + [executable] + arguments
        // The socket as stdout and stderr too: whatever a foreign helper prints goes to
        // the handshake, not to the user's terminal. Ours replaces all three.
        let socket = FileHandle(fileDescriptor: helpers, closeOnDealloc: false)
        process.standardInput = socket
        process.standardOutput = socket
        process.standardError = socket
        var fileLimit: SpawnFileLimit.Change?
        do {
            try run(process, executable: executable, fitFileLimit: { fileLimit = SpawnFileLimit.fit() },
                    restoreFileLimit: { fileLimit?.restoreOwn() })
        } catch {
            Descriptors.close(helpers)
            // The helper itself could not be spawned (a file being replaced, a wrong
            // format): that says nothing about the command, which agentops-run can
            // still start through itself.
            if case let .notExecutable(_, reason) = error,
               ExecHelperLocation.fallBack(unstartable: reason) {
                return try launch(executable: executable, arguments: arguments, environment: environment, stdin: stdin,
                                  stdout: stdout, stderr: stderr, inherited: inherited,
                                  controllingTerminal: controllingTerminal, beforeCommand: beforeCommand,
                                  terminationHandler: terminationHandler)
            }
            throw error
        }
        Descriptors.close(helpers)
        // The helper is now exec'ing and starting up, which takes longer than the work
        // that waits for it (issue 18); the command waits for the descriptors below.
        beforeCommand()
        if let refusal = ExecHelperLocation.greet(over: ours) {
            // Its group (Foundation made it a group leader: a script's children too), and
            // itself in case it left that group.
            Signals.send(SignalNumber.kill, to: -process.processIdentifier)
            Signals.send(SignalNumber.kill, to: process.processIdentifier)
            guard ExecHelperLocation.fallBack(because: refusal) else {
                throw .cannotPrepare(what: "the exec helper", reason: refusal)
            }
            // `beforeCommand` ran already: not passed on.
            return try launch(executable: executable, arguments: arguments, environment: environment, stdin: stdin,
                              stdout: stdout, stderr: stderr, inherited: inherited,
                              controllingTerminal: controllingTerminal, terminationHandler: terminationHandler)
        }
        answer.answered = true
        let payload = ExecHelper.payload(controllingTerminal: controllingTerminal, fileLimit: fileLimit?.command,
                                         targets: [0, 1, 2] + inherited)
        guard DescriptorPassing.send([stdin, stdout, stderr] + inherited, payload: payload, over: ours) else {
            // The send's errno, taken before `kill` (of a helper already gone: ESRCH)
            // overwrites it.
            let reason = errnoText()
            Signals.send(SignalNumber.kill, to: process.processIdentifier)
            throw .cannotPrepare(what: "the exec helper's descriptors", reason: reason)
        }
        // End of file: the command was exec'd (the helper's end is close-on-exec).
        // Waiting for it also means its session exists before any signal is routed.
        var code: Int32 = 0
        let n = withUnsafeMutableBytes(of: &code) { Descriptors.read(ours, into: $0) }
        if n == 4 { throw .notExecutable(path: executable, reason: errnoText(code)) }
        return process
    }

    /// `process.run()` with the start-up signal mask; `fitFileLimit` and
    /// `restoreFileLimit` run around it under the same lock (`SpawnFileLimit`).
    private static func run(_ process: Process, executable: String, fitFileLimit: () -> Void = {},
                            restoreFileLimit: () -> Void = {}) throws(LaunchError) {
        lock.lock()
        defer { lock.unlock() }
        fitFileLimit()
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

/// Whether the exec helper answered the handshake, read by Foundation's termination
/// thread: set before anything is sent to the helper, so before the command can end.
private final class HelperAnswer: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var answered: Bool {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
