import Glibc

/// agentops-run's hidden second mode, `agentops-run --exec-helper -- PATH ARG...`: the
/// last step of starting the command, run in the child between Foundation's spawn and
/// the command's `exec`.
///
/// Foundation `Process` runs no code of ours in the child, and its spawn leaves the
/// child with one end of Foundation's internal socketpair and without any other
/// descriptor agentops-run inherited; it also cannot make the child a session leader
/// with a controlling terminal. So `ChildLauncher` spawns agentops-run itself
/// (through `/proc/self/exe`) in this mode, with a Unix socket as stdin, and sends
/// over it the descriptors the command must have and under which numbers. The helper:
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
public enum ExecHelper {
    /// The argument that selects the helper mode.
    static let flag = "--exec-helper"
    /// In the payload's first word: make fd 0 the controlling terminal of a new session.
    static let controllingTerminalFlag: Int32 = 1

    /// `nonisolated(unsafe)`: set once by `enable()` in `main`, before any other
    /// thread exists; only read afterwards.
    nonisolated(unsafe) private static var executable: String?

    /// Lets `ChildLauncher` start commands through this executable. Called by
    /// agentops-run's `main`; library users and tests that never call it launch
    /// directly (with Foundation's descriptor behaviour).
    public static func enable() {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        // A path, not "/proc/self/exe": resolved once, while we are still ourselves.
        if n > 0 { executable = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    }

    /// The helper's executable, when enabled.
    static var path: String? { executable }

    /// Becomes the helper if `arguments` (argv, with argv[0]) ask for it; never returns
    /// then. Call first thing in `main`.
    public static func runIfRequested(_ arguments: [String]) {
        guard arguments.count >= 4, arguments[1] == flag, arguments[2] == "--" else { return }
        become(Array(arguments[3...]))
    }

    private static func become(_ command: [String]) -> Never {
        guard let (payload, received) = DescriptorPassing.receive(from: 0, maxPayload: 300, maxDescriptors: 250),
              let flags = payload.first, payload.count - 1 == received.count else {
            fail(errno == 0 ? EPROTO : errno, status: nil)
        }
        let targets = Array(payload.dropFirst())
        let above = (targets.max() ?? 2) + 1
        let status = fcntl(0, F_DUPFD_CLOEXEC, above)
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
