import Foundation

/// The commands of `agentops` that talk to the AgentOps API. They live in the
/// AgentOpsSync module, which links FoundationNetworking, and the `agentops` executable
/// hands them to the router; agentops-run never links them.
public protocol NetworkCommands: Sendable {
    /// `agentops sync …` (arguments after `sync`).
    func sync(_ arguments: [String], environment: [String: String]) -> Int32
    /// `agentops stats|export ID --remote`: the API's own document for `query`.
    func remote(_ command: String, query: String, pricesFile: String?, environment: [String: String]) -> Int32
    /// `agentops llm-proxy …` (hidden): the LLM proxy agentops-run starts with `--llm-proxy`.
    func llmProxy(_ arguments: [String], environment: [String: String]) -> Int32
}

/// `agentops`: the one router of its subcommands, each in a file of its own.
public enum AgentOpsCommand {
    /// Exit statuses of `agentops`.
    public enum Status {
        /// Done.
        public static let ok: Int32 = 0
        /// The request could not be served (unknown or ambiguous id, unreadable store).
        public static let failure: Int32 = 1
        /// `agentops` was called wrongly.
        public static let usage: Int32 = 2
    }

    /// Runs `agentops` with `arguments` (without argv[0]).
    ///
    /// - Parameter network: the commands that need the AgentOps API (nil: not linked).
    /// - Returns: the exit status.
    public static func main(arguments given: [String], environment: [String: String],
                            network: NetworkCommands? = nil) -> Int32 {
        let console = Console(program: "agentops", quiet: false, environment: environment)
        let (pricesFile, arguments): (String?, [String])
        do {
            (pricesFile, arguments) = try globalOptions(given)
        } catch {
            console.error("\(error)")
            return Status.usage
        }
        guard let subcommand = arguments.first else {
            print(helpText)
            return Status.usage
        }
        let rest = Array(arguments.dropFirst())
        if let network, let routed = routeToNetwork(subcommand, rest, pricesFile: pricesFile, environment: environment,
                                                    network: network, console: console) {
            return routed
        }
        let store = LocalStore(environment: environment)
        do {
            // Only the commands that price read the price file: a broken one must not
            // stop a recording call.
            let prices = { () throws(PriceTable.FileError) in
                try PriceTable.configured(file: pricesFile, environment: environment)
            }
            switch subcommand {
            case "-h", "--help", "help":
                print(helpText)
                return Status.ok
            case "--version":
                print("agentops \(Version.current)")
                return Status.ok
            case "sessions":
                return try SessionsCommand.run(rest, store: store, prices: try prices(), console: console)
            case "stats":
                return try StatsCommand.run(rest, store: store, prices: try prices(), console: console)
            case "export":
                return try ExportCommand.run(rest, store: store, prices: try prices(), console: console)
            case "show":
                return try ShowCommand.run(rest, store: store, prices: try prices(), console: console)
            case "prices":
                return try PricesCommand.run(rest, prices: try prices())
            case "prune":
                return try PruneCommand.run(rest, store: store, console: console)
            case "event":
                return try SessionCommands.event(rest, store: store, environment: environment)
            case "tags":
                return try SessionCommands.tags(rest, store: store, environment: environment)
            case "end":
                return try SessionCommands.end(rest, store: store, environment: environment)
            default:
                throw UsageError.unknownSubcommand(subcommand)
            }
        } catch let error as UsageError {
            console.error("\(error)")
            return Status.usage
        } catch {
            console.error("\(error)")
            return Status.failure
        }
    }

    /// `sync`, and `stats`/`export` with `--remote`, go to the network commands.
    ///
    /// - Returns: their exit status, or nil for a local command.
    private static func routeToNetwork(_ subcommand: String, _ rest: [String], pricesFile: String?,
                                       environment: [String: String], network: NetworkCommands,
                                       console: Console) -> Int32? {
        if subcommand == "sync" { return network.sync(rest, environment: environment) }
        if subcommand == "llm-proxy" { return network.llmProxy(rest, environment: environment) }
        guard ["stats", "export"].contains(subcommand), rest.contains("--remote") else { return nil }
        let others = rest.filter { $0 != "--remote" }
        guard others.count == 1, let query = others.first, !query.hasPrefix("-") else {
            console.error("usage: agentops \(subcommand) ID --remote")
            return Status.usage
        }
        return network.remote(subcommand, query: query, pricesFile: pricesFile, environment: environment)
    }

    /// Splits the tool's one global option, `--prices FILE` before the command (as
    /// `git -C`), from the command and its arguments.
    ///
    /// - Throws: `UsageError` for `--prices` without a file.
    public static func globalOptions(_ arguments: [String]) throws(UsageError) -> (pricesFile: String?,
                                                                                  command: [String]) {
        var cursor = ArgumentCursor(arguments)
        guard !cursor.isAtEnd, let file = try cursor.value(for: "--prices") else { return (nil, arguments) }
        return (file, cursor.isAtEnd ? [] : cursor.remaining)
    }

    /// `agentops --help`; the man page says the same (a test checks the commands).
    public static let helpText = """
    usage: agentops [--prices FILE] COMMAND [options]

    Read the sessions agentops-run recorded in the local store, and record into
    the running one from any language.

    commands:
      sessions [--limit N] [--json] [--tag T] [--state S] [--since WHEN]
                                      list sessions, newest first (default 20; 0: all),
                                      those with tag T, end state S, started since WHEN
                                      (a duration ago such as 2h, or a date)
      show ID                         the session and its events, for people
      stats ID [--remote]             the session's stats, as GET /v2/sessions/ID/stats
                                      (--remote: from the AgentOps API itself)
      export ID [--format json|jsonl] [--remote]
                                      the session and its events, as
                                      GET /v2/sessions/ID/export; jsonl streams one
                                      line per event after the session
      prices [MODEL...]               where the price table comes from, or the price
                                      each MODEL is matched to (USD per 1M tokens)
      prune --older-than DURATION | --keep N
                                      remove sessions started longer ago than DURATION,
                                      or all but the newest N (both: the older ones
                                      outside the newest N)

    uploading to the AgentOps API (AGENTOPS_API_KEY, AGENTOPS_API_ENDPOINT):
      sync [ID] [--follow] [--catch-up] [--timeout DURATION] [--quiet]
                                      upload what the API has not acknowledged yet,
                                      of session ID or of all sessions; --follow keeps
                                      going until the session ends; --catch-up then
                                      uploads what earlier runs left (default timeout 60s)

    recording into the running session ($AGENTOPS_SESSION_ID, or --session-id ID):
      event llm --model M --prompt-tokens N --completion-tokens N
                [--prompt TEXT] [--completion TEXT] [--cost USD]
                [--cached-tokens N]   (without --cost: priced from the table)
      event tool --name NAME [--params JSON] [--returns JSON]
      event action --type TYPE [--logs TEXT]
      event error --type TYPE [--code CODE] [--details TEXT]
      tags add TAG...                 add tags to the session
      tags set TAG...                 replace the session's tags
      end STATE [--reason TEXT]       declare the end state (Success, Fail or
                                      Indeterminate); the session ends with the
                                      worse of it and the command's exit

    ID is a full session id, a unique prefix of one, or 'last' (the newest session).

    --prices FILE extends or overrides the bundled LLM price table with a file in
    the shape of LiteLLM's model_prices_and_context_window.json (input_cost_per_token,
    output_cost_per_token, cache_read_input_token_cost per model).

    environment:
      AGENTOPS_HOME          where sessions are stored (default ~/.agentops)
      AGENTOPS_API_KEY       key for sync (a UUID)
      AGENTOPS_API_ENDPOINT  API base URL (default https://api.agentops.ai)
      AGENTOPS_PARENT_KEY    parent key sent with create_session (a UUID)
      AGENTOPS_PRICES        price file used when --prices is not given
      NO_COLOR               set: no colour

    exit status: 0 done; 1 unknown or ambiguous session, unreadable store, a
    recording call refused (outside a session, malformed value: nothing written),
    or sync left something unsent; 2 usage error.
    """
}
