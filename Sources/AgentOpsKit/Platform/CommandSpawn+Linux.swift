import AgentOpsExec
import Glibc

/// The supervised command's first process (the exec helper, or the command itself when
/// no helper is used), started with `posix_spawn` as its own process group leader.
///
/// agentops-run used Foundation `Process` here. Its `run()` costs more than the rest
/// of a start-up (issue 18): one close action per descriptor number below the soft
/// `RLIMIT_NOFILE` (20,000 on the build machine, 1,048,576 in some containers), a
/// manager thread and a socket pair to learn of the exit, a thread for the termination
/// handler, the environment through Foundation dictionaries. It also passes on the
/// calling thread's signal mask (swift-corelibs-foundation#4772) and its socket leaks
/// into the child. Spawning directly gives the child exactly what is asked for: the
/// start-up signal mask (`POSIX_SPAWN_SETSIGMASK`, whatever thread calls), a new
/// process group (`POSIX_SPAWN_SETPGROUP`, as Foundation did: signals go to the group),
/// the given descriptors on 0–2, every other descriptor of ours closed.
public enum CommandSpawn {
    /// Starts `path` with `arguments` (argv[0] first) and `environment` (`NAME=value`
    /// entries), `standard` dup2'd onto descriptors 0, 1 and 2 (nil: inherited), every
    /// other open descriptor above 2 closed but those in `keeping` (under their own
    /// numbers), the signal mask `mask`, in a new process group that it leads. Ignored
    /// signals stay ignored, caught ones are reset by the exec, as for any spawn.
    ///
    /// - Returns: the child's pid.
    /// - Throws: `SystemError` with the spawn's error (for a command started directly,
    ///   the exec's: glibc waits for it).
    public static func start(path: String, arguments: [String], environment: [String],
                             standard: [Int32?], keeping: [Int32] = [], mask: SignalMask) throws(SystemError) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        // A source is moved above every target first, so that putting one stream in
        // place never overwrites another that is still to be moved (stdout given as 2).
        let sources = standard.compactMap { $0 }
        let open = OpenDescriptors.list(from: 3)
        let spare = max(2, sources.max() ?? 0, open.last ?? 0) + 1
        for (index, source) in standard.enumerated() {
            guard let source else { continue }
            posix_spawn_file_actions_adddup2(&actions, source, spare + Int32(index))
        }
        for (index, source) in standard.enumerated() where source != nil {
            posix_spawn_file_actions_adddup2(&actions, spare + Int32(index), Int32(index))
            posix_spawn_file_actions_addclose(&actions, spare + Int32(index))
        }
        // Listed, not walked up to the limit: only agentops-run's own few are open above
        // 2, and none of its threads opens one while the command is being started.
        for fd in open where !keeping.contains(fd) { posix_spawn_file_actions_addclose(&actions, fd) }

        var set = mask.set
        posix_spawnattr_setsigmask(&attributes, &set)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SystemError(code: result) }
        return pid
    }
}
