#if hasFeature(Embedded)
import CExecSystem  // agentops-run-exec (Sources/CExecSystem says why)
#else
import Glibc
#endif
import CSignals

/// The last step of starting the command, run in the child between Foundation's spawn
/// and the command's `exec`: the whole of the small `agentops-run-exec` executable
/// (and of agentops-run's hidden `--exec-helper` mode, its fallback).
///
/// Foundation `Process` runs no code of ours in the child, and its spawn leaves the
/// child with one end of Foundation's internal socketpair and without any other
/// descriptor agentops-run inherited; it also cannot make the child a session leader
/// with a controlling terminal. So `ChildLauncher` spawns this helper, with a Unix
/// socket as stdin, stdout and stderr, as early as it can: the command, its
/// environment and its descriptors are only sent once agentops-run has them, so the
/// helper's exec and start-up happen while agentops-run prepares the run (issue 18).
/// The helper:
///
/// 1. checks that agentops-run speaks its protocol (`protocolArgument`) and answers
///    `hello` over the socket: only then does agentops-run send anything, so a foreign
///    or stale file in the helper's place never gets to run the command
///    (`ExecHelperLocation` falls back to agentops-run's own helper mode);
/// 2. receives the command (its resolved path, then its argv: argv[0] the name it was
///    given, as a shell or `env` passes it, not the path) and its environment
///    (`commandBlock`), then the descriptors the command must have and under which
///    numbers;
/// 3. marks every descriptor it holds close-on-exec (Foundation's socket);
/// 4. for a terminal session, leaves the process group Foundation made it lead
///    (`setsid` refuses a group leader), calls `setsid`, and makes the terminal meant
///    for fd 0 its controlling terminal (`TIOCSCTTY`), as script(1) and tmux do;
/// 5. puts each received descriptor under its number in place (`DescriptorPlacement`,
///    which clears close-on-exec there), then the soft descriptor limit agentops-run
///    asks for (the command's own: agentops-run changes its own around the spawn);
/// 6. `execve`s the command with exactly the arguments and environment given, no shell
///    between; for a terminal session it spawns the command instead and stays as its
///    session leader (`SessionLeader` says why).
///
/// Closing the socket before the command is sent dismisses the helper: it exits 126
/// without running anything (a run that ends before its command starts).
///
/// Just before the `execve`, the helper writes the starting marker on the socket, which
/// is close-on-exec: the marker then end of file is a successful exec, the marker then an
/// errno a failed one; a set-up step that fails once the payload is in also writes the
/// marker, then its errno. The marker is a word agentops-run drew at random for this
/// launch and sent in the payload (`startingMarker(random:)`): a file that says the hello
/// but never took the payload (a script printing the hello then four zero bytes, or an
/// errno's four bytes, hostile passes, round 10) cannot say it, and is neither taken for a
/// command that ran nor blamed on the command. What fails before the payload is in is the
/// helper's own failure: its errno alone, which agentops-run reports as such (125). On any
/// failure the helper exits 126 or 127. End of file with no marker is a helper that died on the way
/// (a crash under a resource limit set for it alone, hostile pass, round 9): the command
/// never ran, where before it was taken for the command, killed by the helper's signal.
///
/// This module links nothing but Glibc and Swift's core library: the helper is exec'd
/// once per run, on the path to the command's start, and exec'ing agentops-run's own
/// Foundation binary a second time cost about 4 ms of the 16 ms start-up (issue 18).
public enum ExecHelper {
    /// The helper executable's file name, looked for beside agentops-run.
    public static let executableName = "agentops-run-exec"
    /// The argument that selects agentops-run's own helper mode (the fallback).
    public static let flag = "--exec-helper"
    /// agentops-run-exec's first argument: the protocol this build speaks. A helper of
    /// another build refuses it, so agentops-run sees no `hello` and falls back.
    public static let protocolArgument = "--protocol=6"
    /// What the helper writes on the socket first: agentops-run sends the descriptors
    /// only after reading exactly this.
    public static let hello: [UInt8] = Array("agentops-run-exec protocol 6\n".utf8)
    /// How every helper's hello begins: a line that begins so but is not `hello` is a
    /// helper of another build, refused at once rather than waited for.
    public static let helloPrefix: [UInt8] = Array("agentops-run-exec protocol ".utf8)
    /// What the helper writes on the socket just before it execs the command (for a
    /// terminal session, once the command's exec succeeded), made of `random`: its top
    /// bit set, so it is never an errno (1–4095) nor the zero a stray write makes.
    public static func startingMarker(random: UInt32) -> Int32 { Int32(bitPattern: random | 0x8000_0000) }
    /// The largest command block the helper takes: well above what `execve` accepts
    /// (a quarter of the stack limit), so only a broken sender meets it.
    public static let maxCommandBlock = 1 << 26

    /// The most inherited descriptors (above 2) the helper takes: they travel with 0–2
    /// in one `SCM_RIGHTS` message, which the kernel caps at 253 (`SCM_MAX_FD`), and
    /// the helper reads at most 250.
    public static let maxInherited = 247
    /// In the payload's first word: make fd 0 the controlling terminal of a new session.
    public static let controllingTerminalFlag: Int32 = 1
    /// In the payload's first word: the next two words are the soft `RLIMIT_NOFILE` to
    /// put back (agentops-run lowered it for the spawn; `SpawnFileLimit` says why).
    public static let fileLimitFlag: Int32 = 2
    /// glibc's internal signals with their flags in the payload's first word: put that
    /// signal back to its default action. Foundation's spawn (glibc's `posix_spawn`)
    /// leaves them ignored in the helper, and an exec keeps `SIG_IGN`; agentops-run asks
    /// for those it did not find ignored at its own start (`CSignals.h`).
    public static let internalSignals: [(number: Int32, flag: Int32)] = [(32, 4), (33, 8)]
    /// In the payload's first word: SIGCHLD was ignored when agentops-run started, and the
    /// command gets it so; agentops-run and the helper wait for their children with the
    /// default action (`StartupSignals.capture()` says why).
    public static let ignoredChildSignalFlag: Int32 = 16

    /// The payload `ChildLauncher` sends with the descriptors for `targets`: the flags,
    /// the starting marker, the file limit when flagged, then the targets.
    public static func payload(controllingTerminal: Bool, fileLimit: rlim_t?, defaultSignals: [Int32] = [],
                               ignoreChildSignal: Bool = false, marker: Int32, targets: [Int32]) -> [Int32] {
        var flags = (controllingTerminal ? controllingTerminalFlag : 0) | (fileLimit == nil ? 0 : fileLimitFlag)
            | (ignoreChildSignal ? ignoredChildSignalFlag : 0)
        for (number, flag) in internalSignals where defaultSignals.contains(number) { flags |= flag }
        let limit = fileLimit.map { [Int32(truncatingIfNeeded: $0), Int32(truncatingIfNeeded: $0 >> 32)] } ?? []
        return [flags, marker] + limit + targets
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

    /// The command as sent to the helper: a little-endian `UInt32` length of the rest,
    /// then the number of arguments and of environment entries (`UInt32` each), then
    /// every argument (the resolved path first, then argv from argv[0]) and every
    /// `NAME=value` entry, each as a
    /// `UInt32` length and its bytes. Lengths, not NUL terminators, so no string can
    /// shift the ones after it; bytes, not strings, so what is not UTF-8 arrives
    /// unchanged; nil when it would exceed `maxCommandBlock`.
    public static func commandBlock(arguments: [[UInt8]], environment: [[UInt8]]) -> [UInt8]? {
        var block: [UInt8] = [0, 0, 0, 0]  // the length, set last
        func append(_ value: Int) {
            let word = UInt32(truncatingIfNeeded: value)
            for shift in stride(from: 0, to: 32, by: 8) { block.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        append(arguments.count)
        append(environment.count)
        for string in arguments + environment {
            append(string.count)
            block += string
            guard block.count - 4 <= maxCommandBlock else { return nil }
        }
        let length = UInt32(block.count - 4)
        for index in 0..<4 { block[index] = UInt8(truncatingIfNeeded: length >> UInt32(index * 8)) }
        return block
    }

    /// Reads a command block from `socket`: the path, and argv and the environment as
    /// NULL-ended lists of C strings for `execve` (never freed: the process execs or
    /// exits), or nil when the socket ended first or the block is malformed (no argv[0]
    /// included).
    static func readCommandBlock(from socket: Int32) -> (path: UnsafeMutablePointer<CChar>,
                                                         arguments: [UnsafeMutablePointer<CChar>?],
                                                         environment: [UnsafeMutablePointer<CChar>?])? {
        guard let head = readExactly(4, from: socket) else { return nil }
        let length = Int(word(head, at: 0))
        guard length >= 8, length <= maxCommandBlock, let body = readExactly(length, from: socket) else { return nil }
        let argumentCount = Int(word(body, at: 0)), environmentCount = Int(word(body, at: 4))
        var strings: [UnsafeMutablePointer<CChar>?] = []
        var offset = 8
        while offset < body.count {
            guard body.count - offset >= 4 else { return nil }
            let size = Int(word(body, at: offset))
            offset += 4
            guard size <= body.count - offset else { return nil }
            guard let string = cString(body[offset..<(offset + size)]) else { return nil }
            strings.append(string)
            offset += size
        }
        guard argumentCount >= 2, strings.count == argumentCount &+ environmentCount, let path = strings[0] else {
            return nil
        }
        return (path, Array(strings[1..<argumentCount]) + [nil], Array(strings[argumentCount...]) + [nil])
    }

    /// `bytes` as a C string of their own (a NUL byte among them ends it there, as the
    /// kernel would); nil when there is no memory.
    private static func cString(_ bytes: ArraySlice<UInt8>) -> UnsafeMutablePointer<CChar>? {
        guard let raw = malloc(bytes.count + 1) else { return nil }
        let string = raw.bindMemory(to: CChar.self, capacity: bytes.count + 1)
        for (index, byte) in bytes.enumerated() { string[index] = CChar(bitPattern: byte) }
        string[bytes.count] = 0
        return string
    }

    private static func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << UInt32($1 * 8) }
    }

    /// Exactly `count` bytes from `fd` (fewer only at its end: nil).
    private static func readExactly(_ count: Int, from fd: Int32) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                retryingEINTR { read(fd, buffer.baseAddress! + filled, count - filled) }
            }
            guard n > 0 else { return nil }
            filled += n
        }
        return bytes
    }

    /// Becomes the command agentops-run sends, as described above; never returns.
    public static func become() -> Never {
        // A malformed block or message sets no errno: what the runtime's start left
        // there (ENOTTY from a terminal check) must not be reported as the reason.
        errno = 0
        var greeting = hello
        guard retryingEINTR({ write(0, &greeting, greeting.count) }) == greeting.count,
              let (path, command, environment) = readCommandBlock(from: 0),
              let (payload, received) = DescriptorPassing.receive(from: 0, maxPayload: 300, maxDescriptors: maxInherited + 3),
              payload.count >= 2, payload[1] < 0 else {
            // fd 0 is still the socket: the report goes there until `status` exists.
            fail(errno == 0 ? EPROTO : errno, status: 0)
        }
        let flags = payload[0], starting = payload[1]
        // From here on every failure is reported after the marker: it is the command's.
        func failForCommand(_ code: Int32, status: Int32) -> Never { fail(code, status: status, marker: starting) }
        var targets = Array(payload.dropFirst(2))
        var fileLimit: rlim_t?
        if flags & fileLimitFlag != 0, targets.count >= 2 {
            fileLimit = rlim_t(UInt32(bitPattern: targets[0])) | rlim_t(UInt32(bitPattern: targets[1])) << 32
            targets.removeFirst(2)
        }
        // Duplicates found by sorting, not with a `Set`: in the Embedded Swift build a
        // hash table seeds itself through glibc's arc4random, which aborts the process
        // when `getrandom` fails with anything but ENOSYS (seccomp sandboxes that answer
        // EPERM): no command could start there (hostile pass, round 9).
        let sortedTargets = targets.sorted()
        guard targets.count == received.count, !zip(sortedTargets, sortedTargets.dropFirst()).contains(where: { $0 == $1 }),
              !targets.contains(where: { $0 < 0 }) else { fail(EPROTO, status: 0) }
        let status = reportDescriptor(avoiding: targets)
        guard status >= 0 else { failForCommand(errno, status: 0) }
        for fd in OpenDescriptors.list(from: 0) { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        for (number, flag) in internalSignals where flags & flag != 0 { _ = agentops_signal_set_default(number) }
        if flags & controllingTerminalFlag != 0, let terminal = received.first {
            _ = setpgid(0, getpgid(getppid()))
            guard setsid() >= 0, ioctl(terminal, UInt(TIOCSCTTY), 0) == 0 else { failForCommand(errno, status: status) }
        }
        let placed = DescriptorPlacement.place(received, at: targets)
        guard placed == 0 else { failForCommand(placed, status: status) }
        // Last: the command's own limit may be lower than agentops-run's, and so lower
        // than numbers the helper held on the way (what it received, the report socket).
        if let fileLimit, !restoreFileLimit(fileLimit) { failForCommand(errno, status: status) }
        if flags & controllingTerminalFlag != 0 {
            let error = SessionLeader.run(path, command, environment: environment, status: status, marker: starting,
                                          ignoreChildSignal: flags & ignoredChildSignalFlag != 0)
            failForCommand(error, status: status)
        }
        if flags & ignoredChildSignalFlag != 0 { signal(SIGCHLD, SIG_IGN) }
        var marker = starting
        _ = write(status, &marker, 4)
        execve(path, command, environment)
        // The marker went before the exec: the errno alone follows it.
        fail(errno, status: status)
    }

    /// A close-on-exec copy of the socket on fd 0 under a number that is none of
    /// `targets` (placing them would close it), for the failure report; -1 on failure.
    private static func reportDescriptor(avoiding targets: [Int32]) -> Int32 {
        var lowest: Int32 = 0
        while true {
            let fd = fcntl(0, F_DUPFD_CLOEXEC, lowest)
            guard fd >= 0, targets.contains(fd) else { return fd }
            close(fd)
            lowest = fd + 1
        }
    }

    /// Reports `code` on `status` (after `marker`, when given) and exits.
    private static func fail(_ code: Int32, status: Int32?, marker: Int32? = nil) -> Never {
        if let status {
            var words = (marker ?? code, code)
            _ = write(status, &words, marker == nil ? 4 : 8)
        }
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
