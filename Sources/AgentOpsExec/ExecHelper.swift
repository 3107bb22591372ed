import Glibc

/// The last step of starting the command, run in the child between Foundation's spawn
/// and the command's `exec`: the whole of the small `agentops-run-exec` executable
/// (and of agentops-run's hidden `--exec-helper` mode, its fallback).
///
/// Foundation `Process` runs no code of ours in the child, and its spawn leaves the
/// child with one end of Foundation's internal socketpair and without any other
/// descriptor agentops-run inherited; it also cannot make the child a session leader
/// with a controlling terminal. So `ChildLauncher` spawns this helper, with a Unix
/// socket as stdin, and sends over it the descriptors the command must have and under
/// which numbers. The helper:
///
/// 1. marks every descriptor it holds above 2 close-on-exec (Foundation's socket);
/// 2. moves the received ones above all target numbers, then `dup2`s each to its
///    target (which clears close-on-exec there);
/// 3. for a terminal session, leaves the process group Foundation made it lead
///    (`setsid` refuses a group leader), calls `setsid`, and makes the terminal on
///    fd 0 its controlling terminal (`TIOCSCTTY`), as script(1) and tmux do;
/// 4. `execv`s the command with exactly the arguments given, no shell between; for a
///    terminal session it spawns the command instead and stays as its session leader
///    (`SessionLeader` says why).
///
/// If anything fails, the errno goes back over the socket (close-on-exec, so a
/// successful `exec` is seen as end of file) and the helper exits 126 or 127.
///
/// This module links nothing but Glibc and Swift's core library: the helper is exec'd
/// once per run, on the path to the command's start, and exec'ing agentops-run's own
/// Foundation binary a second time cost about 4 ms of the 16 ms start-up (issue 18).
public enum ExecHelper {
    /// The helper executable's file name, looked for beside agentops-run.
    public static let executableName = "agentops-run-exec"
    /// The argument that selects agentops-run's own helper mode (the fallback).
    public static let flag = "--exec-helper"
    /// In the payload's first word: make fd 0 the controlling terminal of a new session.
    public static let controllingTerminalFlag: Int32 = 1
    /// In the payload's first word: the next two words are the soft `RLIMIT_NOFILE` to
    /// put back (agentops-run lowered it for the spawn; `SpawnFileLimit` says why).
    public static let fileLimitFlag: Int32 = 2

    /// The payload `ChildLauncher` sends with the descriptors for `targets`.
    public static func payload(controllingTerminal: Bool, fileLimit: rlim_t?, targets: [Int32]) -> [Int32] {
        let flags = (controllingTerminal ? controllingTerminalFlag : 0) | (fileLimit == nil ? 0 : fileLimitFlag)
        let limit = fileLimit.map { [Int32(truncatingIfNeeded: $0), Int32(truncatingIfNeeded: $0 >> 32)] } ?? []
        return [flags] + limit + targets
    }

    /// Sets the soft `RLIMIT_NOFILE` to `soft`, the hard limit unchanged; false when
    /// the kernel refused.
    @discardableResult
    public static func restoreFileLimit(_ soft: rlim_t) -> Bool {
        var limits = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return false }
        limits.rlim_cur = soft
        return setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits) == 0
    }

    /// Becomes `command` (the resolved path, then argv[1…]) as described above; never
    /// returns.
    public static func become(_ command: [String]) -> Never {
        guard !command.isEmpty,
              let (payload, received) = DescriptorPassing.receive(from: 0, maxPayload: 300, maxDescriptors: 250),
              let flags = payload.first else {
            fail(errno == 0 ? EPROTO : errno, status: nil)
        }
        var targets = Array(payload.dropFirst())
        var fileLimit: rlim_t?
        if flags & fileLimitFlag != 0, targets.count >= 2 {
            fileLimit = rlim_t(UInt32(bitPattern: targets[0])) | rlim_t(UInt32(bitPattern: targets[1])) << 32
            targets.removeFirst(2)
        }
        guard targets.count == received.count else { fail(EPROTO, status: nil) }
        let above = (targets.max() ?? 2) + 1
        let status = fcntl(0, F_DUPFD_CLOEXEC, above)
        if let fileLimit, !restoreFileLimit(fileLimit) { fail(errno, status: status) }
        for fd in OpenDescriptors.list() { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var moved: [Int32] = []
        for fd in received {
            let high = fcntl(fd, F_DUPFD_CLOEXEC, above)
            guard high >= 0 else { fail(errno, status: status) }
            close(fd)
            moved.append(high)
        }
        if flags & controllingTerminalFlag != 0, let terminal = moved.first {
            _ = setpgid(0, getpgid(getppid()))
            guard setsid() >= 0, ioctl(terminal, UInt(TIOCSCTTY), 0) == 0 else { fail(errno, status: status) }
        }
        for (high, target) in zip(moved, targets) {
            guard dup2(high, target) >= 0 else { fail(errno, status: status) }
        }
        if flags & controllingTerminalFlag != 0 {
            let error = SessionLeader.run(command, status: status)
            fail(error, status: status)
        }
        let argv = command.map { strdup($0) } + [nil]
        execv(command[0], argv)
        fail(errno, status: status)
    }

    private static func fail(_ code: Int32, status: Int32?) -> Never {
        var code = code
        if let status { _ = write(status, &code, 4) }
        _exit(code == ENOENT ? 127 : 126)
    }
}

/// Calls `call` until it does not fail with EINTR: the one such loop, used by the helper
/// (it forwards signals while it waits) and, as `Descriptors.retryingEINTR`, by
/// AgentOpsKit. Inlinable: it wraps every read and write of the capture path.
@inlinable
public func retryingEINTR<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result < 0, errno == EINTR { continue }
        return result
    }
}
