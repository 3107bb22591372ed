import Glibc

/// Starting a shell command as a plain child process (`posix_spawn`), for helpers that
/// are not the supervised command: the pager. The command agentops-run supervises is
/// started by `ChildLauncher`, which needs far more care.
public enum ShellSpawn {
    /// Starts `/bin/sh -c command` with `environment`, its standard input the read end
    /// `input` (moved to descriptor 0 and closed under its own number in the child).
    ///
    /// - Returns: the child's pid, or nil when it could not be started.
    public static func start(_ command: String, environment: [String: String], input: Int32) -> Int32? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_addclose(&actions, input)
        let words: [String] = ["/bin/sh", "-c", command]
        let argv = words.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        return posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp) == 0 ? pid : nil
    }

    /// How a child ended.
    public enum Ended: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
        /// It could not be waited for (not ours, or reaped already).
        case unknown
    }

    /// Waits until the child `pid` has ended and reaps it, through any signal.
    @discardableResult
    public static func waitForExit(_ pid: Int32) -> Ended {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return .unknown }
        }
        // WIFEXITED, WEXITSTATUS and WTERMSIG, which Swift does not import.
        return status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
    }
}
