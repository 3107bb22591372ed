import AgentOpsExec

/// Starts the command with `CommandSpawn` (not Foundation `Process`: its spawn cost more
/// than the rest of a start-up, issue 18): directly, or through the exec helper
/// (`ExecHelper`) when it must lead a session of its own.
public enum ChildLauncher {
    /// Launches `executable` with `arguments` (argv[1…]) and `environment`, stdin,
    /// stdout and stderr on the given descriptors, the working directory inherited.
    ///
    /// The command gets exactly descriptors 0–2 and `inherited` under their own numbers.
    /// With `controllingTerminal`, it gets a new session whose controlling terminal is
    /// `stdin`, which only the exec helper can make (it needs code of ours between the
    /// fork and the exec: `setsid`, `TIOCSCTTY`, a session leader that stays), so that
    /// case needs `ExecHelperLocation` enabled; without it (tests of this type alone)
    /// the command starts without a terminal session.
    ///
    /// The child starts with the start-up signal mask whatever thread calls (a dispatch
    /// or cooperative-pool thread blocks SIGINT, SIGTERM and SIGHUP; a mask that was
    /// blocked when agentops-run started must stay blocked), as the leader of a new
    /// process group, so that signals can be sent to its whole group.
    ///
    /// - Returns: the pid of the running process; only an `ExitWatcher` may reap it.
    /// - Throws: `LaunchError.notExecutable` when the kernel refuses the file.
    public static func launch(executable: String, arguments: [String], environment: [String: String],
                              stdin: Int32 = 0, stdout: Int32, stderr: Int32, inherited: [Int32] = [],
                              controllingTerminal: Bool = false) throws(LaunchError) -> Int32 {
        // Built once, straight into `NAME=value` entries: no Foundation dictionary bridging.
        let entries = environment.map { $0.key + "=" + $0.value }
        guard controllingTerminal, let helper = ExecHelperLocation.launchPrefix, let helperPath = helper.first else {
            // glibc's posix_spawn returns once the exec happened, with its error if it
            // failed: the command runs (in its group) when this returns.
            do {
                return try CommandSpawn.start(
                    path: executable, arguments: [executable] + arguments, environment: entries,
                    standard: [stdin == 0 ? nil : stdin, stdout, stderr], keeping: inherited,
                    mask: StartupSignals.mask)
            } catch {
                throw .notExecutable(path: executable, reason: "\(error)")
            }
        }
        guard let (ours, helpers) = Descriptors.socketPair() else {
            throw .cannotPrepare(what: "a socket for the exec helper", reason: errnoText())
        }
        defer { Descriptors.close(ours) }
        let pid: Int32
        do {
            // The helper's stdout and stderr are agentops-run's until it execs: it only
            // writes there if it cannot start at all.
            pid = try CommandSpawn.start(path: helperPath, arguments: helper + [executable] + arguments,
                                         environment: entries, standard: [helpers, nil, nil],
                                         mask: StartupSignals.mask)
        } catch {
            Descriptors.close(helpers)
            throw .notExecutable(path: helperPath, reason: "\(error)")
        }
        Descriptors.close(helpers)
        let payload = ExecHelper.payload(controllingTerminal: controllingTerminal, fileLimit: nil,
                                         targets: [0, 1, 2] + inherited)
        guard DescriptorPassing.send([stdin, stdout, stderr] + inherited, payload: payload, over: ours) else {
            Signals.send(SignalNumber.kill, to: pid)
            ChildWait.reap(pid)
            throw .cannotPrepare(what: "the exec helper's descriptors", reason: errnoText())
        }
        // End of file: the command was exec'd (the helper's end is close-on-exec).
        // Waiting for it also means its session exists before any signal is routed.
        var code: Int32 = 0
        let n = withUnsafeMutableBytes(of: &code) { Descriptors.read(ours, into: $0) }
        if n == 4 {
            ChildWait.reap(pid)
            throw .notExecutable(path: executable, reason: errnoText(code))
        }
        return pid
    }
}
