import Foundation

/// The LLM proxy of a run (`--llm-proxy`): `agentops llm-proxy --session ID` as a
/// helper process, for the same reason as `BackgroundExport` (HTTPS means libcurl,
/// which agentops-run does not link). Started only when asked, before the command, and
/// awaited until it says `listening on PORT`: the command must never meet a refused
/// connection. Its standard input is a pipe agentops-run holds; closing it (or
/// agentops-run dying) ends the proxy.
public final class LLMProxyHelper: Sendable {
    /// How long the proxy may take to start listening before the command runs without it.
    public static let startDeadline = 3.0
    /// How long calls in flight may take to finish when the command is done (the
    /// proxy's own grace, 2 s, and a second to write their events).
    public static let stopDeadline = 3.0

    /// The loopback port the proxy listens on.
    public let port: Int
    private let process: AgentOpsToolProcess
    private let control: Int32

    private init(port: Int, process: AgentOpsToolProcess, control: Int32) {
        self.port = port
        self.process = process
        self.control = control
    }

    /// Why the proxy did not start.
    public enum Failure: Error, CustomStringConvertible {
        case notStarted(AgentOpsTool.StartFailure)
        case cannotPrepare(String)
        case notReady(String)

        public var description: String {
            switch self {
            case let .notStarted(failure): return "\(failure)"
            case let .cannotPrepare(reason): return "its pipes could not be made: \(reason)"
            case let .notReady(reason): return "it did not start listening: \(reason)"
            }
        }
    }

    /// Starts the proxy for `session` and waits, at most `startDeadline`, until it listens.
    ///
    /// - Parameters:
    ///   - environment: agentops-run's environment: the store, the secrets to redact,
    ///     and the user's base URLs, which the proxy forwards to.
    ///   - redactPatterns: the run's `--redact` patterns.
    public static func start(session: SessionID, environment: [String: String],
                             redactPatterns: [String]) -> Result<LLMProxyHelper, Failure> {
        // Close-on-exec: the command must not inherit the ends agentops-run keeps, or
        // the proxy would outlive the run for as long as the command's children do.
        guard let inputPipe = PipePair.make() else { return .failure(.cannotPrepare(errnoText())) }
        guard let outputPipe = PipePair.make() else {
            Descriptors.close(inputPipe.read)
            Descriptors.close(inputPipe.write)
            return .failure(.cannotPrepare(errnoText()))
        }
        let input = [inputPipe.read, inputPipe.write], output = [outputPipe.read, outputPipe.write]
        // A crash of the proxy (an allocation that fails under `ulimit -v`) says its one
        // line, not a backtrace of twenty over the command's output, unless asked for.
        var environment = environment
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        let started = AgentOpsTool.start(
            ["llm-proxy", "--session", session.value] + redactPatterns.flatMap { ["--redact", $0] },
            environment: environment, standardInput: FileHandle(fileDescriptor: input[0], closeOnDealloc: false),
            standardOutput: FileHandle(fileDescriptor: output[1], closeOnDealloc: false))
        let process: AgentOpsToolProcess
        switch started {
        case let .success(running):
            process = running
        case let .failure(failure):
            (input + output).forEach { Descriptors.close($0) }
            return .failure(.notStarted(failure))
        }
        Descriptors.close(input[0])
        Descriptors.close(output[1])
        defer { Descriptors.close(output[0]) }
        let line = readLine(output[0], deadline: startDeadline)
        guard let line, line.hasPrefix("listening on "), let port = Int(line.dropFirst("listening on ".count)),
              port > 0 else {
            Descriptors.close(input[1])
            process.stop(with: SignalNumber.kill)
            return .failure(.notReady(line.map { "it said '\($0)'" } ?? "no answer within \(Int(startDeadline)) s"))
        }
        return .success(LLMProxyHelper(port: port, process: process, control: input[1]))
    }

    /// Stops the proxy: calls in flight get `stopDeadline` to finish and be recorded.
    ///
    /// - Returns: how the proxy ended, when it ended before it was asked to (killed, or
    ///   an allocation that failed under `ulimit -v`): the command's calls were refused
    ///   from then on, which the run says in one warning.
    @discardableResult
    public func stop() -> String? {
        let endedEarly = process.hasEnded
        Descriptors.close(control)
        if !process.waitForExit(within: Self.stopDeadline) { process.stop(with: SignalNumber.terminate) }
        guard endedEarly else { return nil }
        return "it ended during the run (\(process.ending)); the command's calls after that were refused, "
            + "and are not recorded"
    }

    /// The first line from `fd`, or nil when none came by the deadline.
    private static func readLine(_ fd: Int32, deadline seconds: Double) -> String? {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while !bytes.contains(0x0A) {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return nil }
            let readiness = Readiness.readable(fd, milliseconds: Int32((deadline - now) / 1_000_000) + 1)
            if readiness == .interrupted { continue }
            guard readiness == .ready else { return nil }
            let count = chunk.withUnsafeMutableBytes { Descriptors.read(fd, into: $0) }
            guard count > 0 else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes.prefix { $0 != 0x0A }, as: UTF8.self)
    }
}
