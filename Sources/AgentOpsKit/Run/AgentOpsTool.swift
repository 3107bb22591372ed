import Foundation

/// The `agentops` tool, which agentops-run starts as a helper process for what needs
/// HTTPS (libcurl, which agentops-run does not link): `agentops sync` for the
/// background export (`BackgroundExport`), `agentops llm-proxy` for the LLM proxy
/// (`LLMProxyHelper`). The one place it is looked for and started, so the one place its
/// failures are spelled.
public enum AgentOpsTool {
    /// Why the tool did not start.
    public enum StartFailure: Error, CustomStringConvertible, Equatable {
        /// Neither beside agentops-run nor on `PATH`.
        case notFound
        /// Found, but the spawn failed.
        case cannotStart(String)

        public var description: String {
            switch self {
            case .notFound: return "the agentops tool was not found next to agentops-run or on PATH"
            case let .cannotStart(reason): return "agentops could not start: \(reason)"
            }
        }
    }

    /// Starts `agentops` with `arguments` and `environment`, stdin and stdout on the given
    /// handles (stderr inherited: its warnings are the user's).
    ///
    /// - Returns: the running process, or why it did not start.
    static func start(_ arguments: [String], environment: [String: String], standardInput: FileHandle,
                      standardOutput: FileHandle) -> Result<AgentOpsToolProcess, StartFailure> {
        guard let tool = locate(environment: environment) else { return .failure(.notFound) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = standardInput
        process.standardOutput = standardOutput
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        // As every spawn: Foundation's set-up (`LaunchWarmUp`) must be done, or `run()`
        // would wait for ever (`ulimit -u`).
        if let reason = LaunchWarmUp.awaitFoundation() {
            return .failure(.cannotStart("Foundation's process thread: \(reason)"))
        }
        do {
            try process.run()
        } catch {
            return .failure(.cannotStart("\(error)"))
        }
        return .success(AgentOpsToolProcess(process, exited: exited))
    }

    /// `agentops` next to this executable, else on `PATH`.
    static func locate(environment: [String: String]) -> String? {
        if let me = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let sibling = (me as NSString).deletingLastPathComponent + "/agentops"
            if Files.isExecutable(sibling) { return sibling }
        }
        return try? CommandResolver.resolve("agentops", searchPath: environment["PATH"])
    }
}
