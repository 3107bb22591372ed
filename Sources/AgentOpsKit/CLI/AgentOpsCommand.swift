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
        // Each command's --help is its own usage (options after `--` are arguments).
        if let usage = usage(of: subcommand),
           rest.prefix(while: { $0 != "--" }).contains(where: { $0 == "-h" || $0 == "--help" }) {
            print(usage)
            return Status.ok
        }
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
                return try SessionsCommand.run(rest, store: store, prices: try prices(), console: console,
                                               environment: environment)
            case "stats":
                return try StatsCommand.run(rest, store: store, prices: try prices(), console: console)
            case "export":
                return try ExportCommand.run(rest, store: store, prices: try prices(), console: console,
                                             environment: environment)
            case "show":
                return try ShowCommand.run(rest, store: store, prices: try prices(), console: console,
                                           environment: environment)
            case "report":
                return try ReportCommand.run(rest, store: store, prices: try prices(), console: console)
            case "prices":
                return try PricesCommand.run(rest, prices: try prices())
            case "prune":
                return try PruneCommand.run(rest, store: store, console: console)
            case "event":
                return try SessionCommands.event(rest, store: store, environment: environment)
            case "tags":
                return try SessionCommands.tags(rest, store: store, environment: environment)
            case "end":
                return try SessionCommands.end(rest, store: store, environment: environment, prices: prices,
                                               console: console)
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

    /// The usage text `COMMAND --help` prints; nil for an unknown command.
    static func usage(of command: String) -> String? {
        switch command {
        case "sessions": return SessionsCommand.usage
        case "show": return ShowCommand.usage
        case "stats": return StatsCommand.usage
        case "export": return ExportCommand.usage
        case "report": return ReportCommand.usage
        case "prices": return PricesCommand.usage
        case "prune": return PruneCommand.usage
        case "sync": return syncUsage
        case "event": return SessionCommands.eventUsage
        case "tags": return SessionCommands.tagsUsage
        case "end": return SessionCommands.endUsage
        default: return nil
        }
    }

    /// `agentops sync --help` (the command itself lives in AgentOpsSync).
    static let syncUsage = """
    usage: agentops sync [ID] [--follow] [--catch-up] [--timeout DURATION] [-q|--quiet]

    Upload to the AgentOps API (AGENTOPS_API_KEY, AGENTOPS_API_ENDPOINT; v2, or OTLP
    with AGENTOPS_RUN_EXPORT=otlp), and to an OpenTelemetry collector
    (OTEL_EXPORTER_OTLP_ENDPOINT), what they have not acknowledged yet, of session
    ID or of every session not fully uploaded (OTLP gets a session once it ended).
    A session that never ended and is not running (its recorder was killed; no
    process has it, its log untouched for a minute) goes as it is, Indeterminate,
    its log unchanged. 'agentops sessions --json' shows each session's "uploaded".

          --follow            keep uploading until the session ends
          --catch-up          then upload, for at most a minute, what earlier runs left
          --timeout DURATION  give up after DURATION (default 60s)
      -q, --quiet             print only errors
      -h, --help              show this help
    """

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
      sessions [-n N] [-t T] [--state S] [--since WHEN] [--utc] [--json]
                                      list sessions, newest first (-n, --limit: default
                                      20; 0: all), those with tag T (-t, --tag), in state
                                      S (or Running), started since WHEN (a duration ago
                                      such as 2h, or a date); local time unless --utc
      show ID [--head N | --tail N] [--type T] [--stream S] [-f] [--no-pager] [--utc]
                                      the session and its events, for people, paged on
                                      a terminal; only the first or last N events, of
                                      type T (llms, tools, actions, errors) or stream S
                                      (stdout, stderr); -f, --follow: new events until
                                      the session ends
      stats ID [--by-model | --analytics | --remote]
                                      the session's stats, as GET /v2/sessions/ID/stats
                                      (--by-model: also per model; --analytics: as the
                                      SDK's get_analytics(); --remote: from the API)
      export ID [--format json|jsonl|otlp|otlp-json] [--remote]
                                      the session and its events, as
                                      GET /v2/sessions/ID/export; jsonl streams one
                                      line per event after the session; otlp writes
                                      the session as one OpenTelemetry trace (one
                                      protobuf ExportTraceServiceRequest), otlp-json
                                      as OTLP/JSON requests, one per line
      report ID [-o|--output FILE|DIR/|-]
                                      the session as one self-contained HTML page:
                                      timeline, steps, models, LLM calls, output
                                      (default file agentops-report-ID.html; DIR/:
                                      that file in DIR; -: standard output)
      report --sessions [-o FILE|DIR/|-] [--limit N] [--tag T] [--state S] [--since WHEN]
                                      one page over the sessions (all by default):
                                      cost per day, failure rate, a table linking
                                      agentops-report-ID.html; DIR/ also writes
                                      those, and DIR/index.html (default file
                                      agentops-report-sessions.html)
      prices [MODEL...]               where the price table comes from, or the price
                                      each MODEL is matched to (USD per 1M tokens)
      prune --older-than DURATION | --keep N [--dry-run] [--yes]
                                      remove sessions started longer ago than DURATION,
                                      or all but the newest N (both: the older ones
                                      outside the newest N); -n, --dry-run: list them
                                      only; asks on a terminal unless -y, --yes

    uploading to the AgentOps API (AGENTOPS_API_KEY, AGENTOPS_API_ENDPOINT) and to
    an OpenTelemetry collector (OTEL_EXPORTER_OTLP_ENDPOINT):
      sync [ID] [--follow] [--catch-up] [--timeout DURATION] [-q|--quiet]
                                      upload what the backends have not acknowledged
                                      yet, of session ID or of all sessions; --follow
                                      keeps going until the session ends; --catch-up
                                      then uploads what earlier runs left (default
                                      timeout 60s); OTLP gets a session once it ended;
                                      one whose recorder was killed goes
                                      Indeterminate once it is not running;
                                      sessions --json shows each one's "uploaded"

    recording into the running session ($AGENTOPS_SESSION_ID, or --session-id ID):
      event llm --model M --prompt-tokens N --completion-tokens N
                [--prompt TEXT] [--completion TEXT] [--cost USD]
                [--cached-tokens N]   (without --cost: priced from the table)
                [--started TIME] [--duration D]
                                      when the call began (ISO 8601), how long it took
      event tool --name NAME [--params JSON] [--returns JSON]
                 [--started TIME] [--duration D]
      event action --type TYPE [--logs TEXT]
      event error --type TYPE [--code CODE] [--details TEXT]
      tags add TAG...                 add tags to the session
      tags set TAG...                 replace the session's tags
      end STATE [--reason TEXT]       declare the end state (Success, Fail or
                                      Indeterminate); the session ends with the
                                      worse of it and the command's exit; prints the
                                      session's cost so far (USD)

    Each command's -h, --help shows its own usage. DURATION and D are as 1h30m, 90s,
    250ms or as the tools print them (1m 30s).

    ID is a full session id, a unique prefix of one, or 'last' (the newest session).

    --prices FILE extends or overrides the bundled LLM price table with a file in
    the shape of LiteLLM's model_prices_and_context_window.json (input_cost_per_token,
    output_cost_per_token, cache_read_input_token_cost per model).

    environment:
      AGENTOPS_HOME          where sessions are stored (default ~/.agentops)
      AGENTOPS_API_KEY       key for sync (a UUID)
      AGENTOPS_API_ENDPOINT  API base URL (default https://api.agentops.ai)
      AGENTOPS_RUN_EXPORT    v2 (default) or otlp: how sync sends to the
                             AgentOps API; otlp signs in at /v3/auth/token and
                             sends each session as one trace to
      AGENTOPS_EXPORTER_ENDPOINT
                             (default https://otlp.agentops.ai/v1/traces)
      AGENTOPS_PARENT_KEY    parent key sent with create_session (a UUID)
      AGENTOPS_PRICES        price file used when --prices is not given
      OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
                             the collector sync exports to over OTLP/HTTP (base + /v1/traces,
                             or the traces URL as it is); also _HEADERS,
                             _PROTOCOL (http/protobuf, http/json), _COMPRESSION
                             (gzip), _TIMEOUT (ms), with or without TRACES_
      OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
                             the exported trace's resource (service.name
                             default agentops-run)
      AGENTOPS_SESSION_ID    the session event, tags and end record into
      AGENTOPS_RUN_LISTENER  set inside agentops-run: sync and --remote use the
                             endpoint its SDK listener stands in for
      PAGER                  show's pager on a terminal (default less -FRX; empty
                             or cat: none)
      TZ                     the time zone of sessions and show (default: the system's)
      COLUMNS                the width sessions fits its table into
      NO_COLOR               set: no colour
      FORCE_COLOR, CLICOLOR_FORCE
                             set (not 0): colour even when not on a terminal

    exit status: 0 done; 1 unknown or ambiguous session, unreadable store, a
    recording call refused (outside a session, malformed value: nothing written),
    or sync left something unsent; 2 usage error.
    """
}
