import Foundation
import Glibc

/// Runs one command under supervision: pipes for its output, a pump per stream, an
/// exit watcher, and signal forwarding to its process group.
public final class Supervisor: @unchecked Sendable {
    /// What the supervisor needs to run the command.
    public struct Configuration: Sendable {
        /// The resolved executable path.
        public var executable: String
        /// argv[1…].
        public var arguments: [String]
        /// The complete environment of the child.
        public var environment: [String: String]
        /// How captured output is cut into events.
        public var limits: CaptureLimits
        /// After the child exits, how long to keep passing on output that background
        /// grandchildren still write to its pipes before stopping.
        public var drainGraceSeconds: Double

        /// A configuration with the default limits and a 0.5 s drain grace.
        public init(executable: String, arguments: [String], environment: [String: String],
                    limits: CaptureLimits = .standard, drainGraceSeconds: Double = 0.5) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.limits = limits
            self.drainGraceSeconds = drainGraceSeconds
        }
    }

    /// How the supervised run went.
    public struct Outcome: Sendable {
        /// How the child ended.
        public var exit: ChildExit
        /// Signals agentops-run received and forwarded, in order.
        public var forwardedSignals: [Int32]
    }

    private let lock = NSLock()
    private var childGroup: pid_t?
    private var childDone = false
    private var pendingSignals: [Int32] = []
    private var received: [Int32] = []

    /// A supervisor; create it before anything slow so that signals arriving early are
    /// queued and forwarded once the child exists.
    public init() {}

    /// Handles a signal delivered to agentops-run (from the `SignalRelay`).
    public func deliver(_ signal: Int32) {
        lock.lock()
        defer { lock.unlock() }
        guard !childDone else { return }
        received.append(signal)
        if let group = childGroup {
            // The child leads its own process group (Foundation's POSIX_SPAWN_SETPGROUP):
            // signalling the group reaches pipelines and grandchildren too.
            kill(-group, signal)
        } else {
            pendingSignals.append(signal)
        }
    }

    /// Starts the command and supervises it to the end.
    ///
    /// - Parameters:
    ///   - configuration: what to run.
    ///   - recorders: per stream, where its lines are recorded (nil: pass through only).
    ///   - session: the session named in the child's capture marker.
    /// - Returns: how it ended.
    /// - Throws: `LaunchError` when the kernel refuses to run it; nothing was started.
    public func run(_ configuration: Configuration, stdoutRecorder: Recorder?, stderrRecorder: Recorder?,
                    session: SessionID) throws(LaunchError) -> Outcome {
        let stdoutPipe = try Self.makePipe()
        let stderrPipe = try Self.makePipe()
        var environment = configuration.environment
        environment[CaptureMarker.variable] = CaptureMarker.value(session: session, stdoutFD: stdoutPipe.read,
                                                                  stderrFD: stderrPipe.read)
        let foundationExit = DispatchSemaphore(value: 0)
        let process: Process
        do {
            process = try ChildLauncher.launch(
                executable: configuration.executable, arguments: configuration.arguments, environment: environment,
                stdout: stdoutPipe.write, stderr: stderrPipe.write,
                terminationHandler: { _ in foundationExit.signal() })
        } catch {
            for fd in [stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write] { close(fd) }
            throw error
        }
        // Our copies of the write ends must go, or the pumps would never see EOF.
        close(stdoutPipe.write)
        close(stderrPipe.write)

        let pumps = [
            StreamPump(stream: .stdout, readFD: stdoutPipe.read, outputFD: 1, recorder: stdoutRecorder,
                       limits: configuration.limits),
            StreamPump(stream: .stderr, readFD: stderrPipe.read, outputFD: 2, recorder: stderrRecorder,
                       limits: configuration.limits),
        ]
        pumps.forEach { $0.start() }

        let exited = DispatchSemaphore(value: 0)
        let exitBox = ExitBox()
        ExitWatcher(process: process, foundationExit: foundationExit).start { exit in
            exitBox.value = exit
            exited.signal()
        }

        lock.lock()
        childGroup = process.processIdentifier
        let early = pendingSignals
        pendingSignals = []
        lock.unlock()
        for signal in early { kill(-process.processIdentifier, signal) }

        exited.wait()
        lock.lock()
        childDone = true
        let forwarded = received
        lock.unlock()

        // The child is gone, but a background grandchild may hold its pipes open: pass on
        // what arrives within the grace period, then stop reading.
        let deadline = DispatchTime.now() + configuration.drainGraceSeconds
        for pump in pumps where !pump.waitForEnd(until: deadline) {
            pump.stop()
        }
        return Outcome(exit: exitBox.value ?? .exited(0), forwardedSignals: forwarded)
    }

    /// A pipe with close-on-exec ends and a 1 MiB buffer: with the default 64 KiB a
    /// child writing large blocks stalls on every write (measured 3.5× slower for
    /// `dd bs=1M`). Foundation's `dup2` onto 1 and 2 clears close-on-exec for the child.
    private static func makePipe() throws(LaunchError) -> PipePair {
        guard let pair = PipePair.make() else {
            throw .notExecutable(path: "(pipe)", reason: "cannot create a pipe: \(errnoText())")
        }
        _ = fcntl(pair.read, fcntlSetPipeSize, Int32(1 << 20))
        return pair
    }

    /// `F_SETPIPE_SZ`, which Glibc's Swift overlay does not export.
    private static let fcntlSetPipeSize: Int32 = 1031
}

/// Carries the exit from the watcher thread to the waiting one (ordered by the
/// semaphore that follows the write).
private final class ExitBox: @unchecked Sendable {
    var value: ChildExit?
}
