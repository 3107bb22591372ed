import AgentOpsKit
import Foundation

/// `agentops llm-proxy --session ID [--redact REGEX]...`: the LLM proxy of one run,
/// started by agentops-run with `--llm-proxy` (hidden: not for people to call).
///
/// It forwards to the base URLs its environment configures (`OPENAI_BASE_URL`,
/// `ANTHROPIC_BASE_URL`, else the providers' defaults), prints `listening on PORT`
/// once it accepts connections, and runs until its standard input ends: agentops-run
/// holds the other end, so the proxy also ends when agentops-run dies.
enum LLMProxyCommand {
    /// How long calls in flight may take to finish once the run is over.
    static let grace = 2.0

    static func main(arguments: [String], environment: [String: String]) -> Int32 {
        let console = Console(program: "agentops llm-proxy", quiet: false, environment: environment)
        var session: SessionID?
        var patterns: [String] = []
        var cursor = ArgumentCursor(arguments)
        do {
            while !cursor.isAtEnd {
                if let value = try cursor.value(for: "--session") {
                    guard let id = SessionID(value) else { throw UsageError.invalidSessionID(source: "--session", value: value) }
                    session = id
                } else if let value = try cursor.value(for: "--redact") {
                    patterns.append(value)
                } else {
                    throw UsageError.unknownOption(cursor.current)
                }
            }
        } catch {
            console.error("\(error)")
            return AgentOpsCommand.Status.usage
        }
        guard let session else {
            console.error("usage: agentops llm-proxy --session ID [--redact REGEX]...")
            return AgentOpsCommand.Status.usage
        }
        // One thread per connection, opened at the clients' will: their memory shared
        // in two arenas rather than kept in one each.
        ThisProcess.capAllocatorArenas()
        let server: LLMProxyServer
        do {
            // The listener's request timeout bounds the proxy's clients too (agentops-run
            // checked it before starting the proxy).
            let limits = LLMProxyServer.limits(requestTimeout: try RunOptions.listenerTimeout(environment))
            let redactor = try Redactor(environment: environment, patterns: patterns)
            let log = try LocalStore(environment: environment).open(session)
            let recorder = Recorder(sessionID: session, sink: log, redactor: redactor,
                                    warn: { console.warning($0) })
            server = try LLMProxyServer(upstreams: LLMProxyEnvironment.upstreams(environment), recorder: recorder,
                                        limits: limits)
        } catch {
            console.error("\(error)")
            return AgentOpsCommand.Status.failure
        }
        // A client that hangs up makes a write fail with EPIPE, not kill the proxy.
        Signals.ignore([SIGPIPE])
        // In agentops-run's process group, the terminal's Ctrl-C and Ctrl-\ reach the
        // proxy too; agentops-run relays them to the command, which may well go on
        // calling the API. The proxy ends when its standard input does.
        Signals.ignore([SIGINT, SIGQUIT, SIGHUP])
        guard server.start() else {
            console.error("cannot start a thread: \(SystemError.last)")
            return AgentOpsCommand.Status.failure
        }
        Descriptors.writeAll(Array("listening on \(server.port)\n".utf8), to: 1)
        var byte: [UInt8] = [0]
        while byte.withUnsafeMutableBytes({ Descriptors.read(0, into: $0) }) > 0 {}
        server.stop(grace: grace)
        return AgentOpsCommand.Status.ok
    }
}

extension AgentOpsAPICommands {
    public func llmProxy(_ arguments: [String], environment: [String: String]) -> Int32 {
        LLMProxyCommand.main(arguments: arguments, environment: environment)
    }
}
