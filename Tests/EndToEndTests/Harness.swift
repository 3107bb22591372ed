import Foundation
import Glibc
import Testing
import TestSupport
@testable import AgentOpsKit

/// Runs the built executables the way a shell would: with an empty signal mask and
/// default dispositions (Swift Testing's worker threads block most signals, and a
/// `Process` started from them would pass that on), stdout and stderr captured apart.
enum Harness {
    /// The folder holding the built executables (next to the test bundle).
    static let binFolder: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (exe as NSString).deletingLastPathComponent
    }()

    static var agentopsRun: String { binFolder + "/agentops-run" }
    static var execHelper: String { binFolder + "/agentops-run-exec" }
    /// Where the helper is built in Embedded Swift and linked with its own C library.
    static let isX86_64: Bool = {
        #if arch(x86_64) && os(Linux)
        return true
        #else
        return false
        #endif
    }()
    static var agentops: String { binFolder + "/agentops" }

    struct Result {
        var stdout: [UInt8]
        var stderr: [UInt8]
        /// The exit code, when it exited.
        var code: Int32?
        /// The signal that killed it, when one did.
        var signal: Int32?
        var seconds: Double

        var out: String { String(decoding: stdout, as: UTF8.self) }
        var err: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// A fresh environment for a test: a private store, no inherited session.
    static func environment(home: String, extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "AGENTOPS_SESSION_ID")
        env.removeValue(forKey: CaptureMarker.variable)
        env.removeValue(forKey: "AGENTOPS_DEFAULT_TAGS")
        // Tests run in GitHub Actions too: a test turns the mode on itself.
        for key in ["GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"] { env.removeValue(forKey: key) }
        env["AGENTOPS_HOME"] = home
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// A new empty folder for a test's store (removed when the test process exits).
    static func temporaryFolder() -> String {
        ScratchFolder.make("agentops-test")
    }

    /// Spawns `executable` with `arguments`, waits for it, and returns what it did.
    ///
    /// - Parameters:
    ///   - stdin: bytes for its stdin (nil: /dev/null).
    ///   - whileRunning: called with the pid once it runs (to send signals).
    ///   - timeout: seconds before it is killed with SIGKILL (the test then fails).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    stdin: [UInt8]? = nil, timeout: Double = 60, blocked: [Int32] = [],
                    whileRunning: ((pid_t) -> Void)? = nil) -> Result {
        let started = Date()
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1], inPipe: [Int32] = [-1, -1]
        pipe(&outPipe)
        pipe(&errPipe)
        pipe(&inPipe)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe + inPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in blocked { sigaddset(&mask, signal) }
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
        close(outPipe[1])
        close(errPipe[1])
        close(inPipe[0])
        precondition(spawned == 0, "posix_spawn \(executable): \(String(cString: strerror(spawned)))")

        let stdinFD = inPipe[1]
        let stdinWriter = Thread {
            if let stdin { writeAll(stdinFD, stdin) }
            close(stdinFD)
        }
        stdinWriter.start()
        let output = Collector(fds: [outPipe[0], errPipe[0]])
        output.start()
        whileRunning?(pid)

        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                Issue.record("\(executable) \(arguments) did not finish within \(timeout) s")
                waitpid(pid, &status, 0)
                break
            }
            usleep(2000)
        }
        let (stdout, stderr) = output.finish()
        let termSignal = status & 0x7F
        return Result(stdout: stdout, stderr: stderr,
                      code: termSignal == 0 ? (status >> 8) & 0xFF : nil,
                      signal: termSignal == 0 ? nil : termSignal,
                      seconds: Date().timeIntervalSince(started))
    }

    /// Runs `agentops-run ARGS` in a store at `home`.
    static func wrap(_ arguments: [String], home: String, extra: [String: String] = [:], stdin: [UInt8]? = nil,
                     timeout: Double = 60, whileRunning: ((pid_t) -> Void)? = nil) -> Result {
        run(agentopsRun, arguments, environment: environment(home: home, extra: extra), stdin: stdin,
            timeout: timeout, whileRunning: whileRunning)
    }

    /// Runs `agentops ARGS` in a store at `home`.
    static func tool(_ arguments: [String], home: String) -> Result {
        run(agentops, arguments, environment: environment(home: home))
    }

    /// `agentops export ID` parsed.
    static func export(_ id: String = "last", home: String) throws -> JSONValue {
        let result = tool(["export", id], home: home)
        try #require(result.code == 0, "agentops export failed: \(result.err)")
        return try JSONParser.parse(result.stdout)
    }

    /// Waits until `path` exists (a child's readiness file).
    static func waitForFile(_ path: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if access(path, F_OK) == 0 { return true }
            usleep(5000)
        }
        return false
    }

    /// Copies an executable (0755) through a descriptor closed on exec, for a test that
    /// cannot hard-link it (its temporary folder on another file system, a tmpfs
    /// `/tmp`): a process that other tests start meanwhile must not inherit the copy
    /// open for writing, as it did `FileManager.copyItem`'s, or running the copy fails
    /// with ETXTBSY for as long as that process lives.
    ///
    /// - Returns: whether the whole file was copied.
    static func copyExecutable(_ source: String, to path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: source) else { return false }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        guard fd >= 0 else { return false }
        writeAll(fd, [UInt8](data))
        close(fd)
        return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) == data.count
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
    }
}

/// Reads several descriptors to EOF on their own threads.
final class Collector: @unchecked Sendable {
    private let fds: [Int32]
    private var data: [[UInt8]]
    private let done = DispatchGroup()
    private let lock = NSLock()

    init(fds: [Int32]) {
        self.fds = fds
        data = Array(repeating: [], count: fds.count)
    }

    func start() {
        for (index, fd) in fds.enumerated() {
            done.enter()
            Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                var collected: [UInt8] = []
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n < 0, errno == EINTR { continue }
                    if n <= 0 { break }
                    collected.append(contentsOf: buffer[0..<n])
                }
                close(fd)
                lock.lock()
                data[index] = collected
                lock.unlock()
                done.leave()
            }.start()
        }
    }

    func finish() -> ([UInt8], [UInt8]) {
        done.wait()
        return (data[0], data[1])
    }
}

extension JSONValue {
    /// The elements of an array member, or an empty list.
    func list(_ key: String) -> [JSONValue] { self[key]?.arrayValue ?? [] }
}
