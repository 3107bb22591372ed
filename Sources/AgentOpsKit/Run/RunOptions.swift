import Foundation

/// What `agentops-run` was asked to do.
public struct RunOptions: Sendable, Equatable {
    /// Tags from `--tag`, split on commas (AGENTOPS_DEFAULT_TAGS is added later).
    public var tags: [String] = []
    /// `--session-id`: the session to join.
    public var sessionID: SessionID?
    /// `--new-session`: never join the inherited session.
    public var newSession = false
    /// `--quiet`: print none of agentops-run's own lines except errors.
    public var quiet = false
    /// `--help`.
    public var showHelp = false
    /// `--version`.
    public var showVersion = false
    /// `--timeout`: seconds after which the command is signalled; nil for none.
    public var timeout: Double?
    /// `--signal`: what is sent at the timeout.
    public var timeoutSignal: Int32 = SIGTERM
    /// `--kill-after`: seconds from a timeout or a second interrupt to SIGKILL.
    public var killAfter: Double = 10
    /// `--video`: the session's video URL.
    public var video: String?
    /// `--no-capture`: pass output through without recording it.
    public var noCapture = false
    /// `--event-window`: lines within this many seconds of an event's first line join it.
    public var eventWindow: Double?
    /// `--redact`: more patterns whose matches are redacted from what is recorded.
    public var redactPatterns: [String] = []
    /// `--capture-limit`: recorded bytes per stream.
    public var captureLimit: Int?
    /// `--flush-timeout`: how long to wait for the upload after the command ended.
    public var flushTimeout: Double = 5
    /// `--strict`: a failed upload makes agentops-run exit `ExitCodes.telemetry`.
    public var strict = false
    /// `--no-listener`: offer the command no loopback endpoint for the AgentOps SDK.
    public var noListener = false
    /// `--llm-proxy`: record the command's OpenAI and Anthropic calls through a loopback
    /// proxy (also `AGENTOPS_RUN_LLM_PROXY=1`).
    public var llmProxy = false
    /// `--prices`: a price file extending the bundled table (else `AGENTOPS_PRICES`).
    public var pricesFile: String?
    /// `--max-cost`: USD; when the session's cost passes it the command is stopped as
    /// at a timeout.
    public var maxCost: Decimal?
    /// `--fail-on-declared`: a session that ends Fail or Indeterminate makes
    /// agentops-run exit `ExitCodes.sessionFailed` even when the command exited 0.
    public var failOnDeclared = false
    /// `--github` (true) / `--no-github` (false): GitHub Actions mode; nil: on when
    /// `GITHUB_ACTIONS=true`.
    public var github: Bool?
    /// `--tty`: when the command's output streams are pseudo-terminals.
    public var terminalMode: TerminalMode = .auto
    /// The command and its arguments, exactly as given.
    public var command: [String] = []

    /// Options with nothing set.
    public init() {}

    /// How captured output is cut, with `--event-window` and `--capture-limit` applied,
    /// fitted to this process's address-space limit (`CaptureLimits.fitting`).
    public var captureLimits: CaptureLimits {
        var limits = CaptureLimits.standard
        if let eventWindow { limits.eventWindowMicroseconds = Int64(eventWindow * 1_000_000) }
        if let captureLimit { limits.capturePerStream = captureLimit }
        return limits.fitting(addressSpace: ThisProcess.addressSpaceLimit)
    }

    /// The session to join: `--session-id`, else `AGENTOPS_SESSION_ID` unless
    /// `--new-session`; nil to start a new one.
    ///
    /// Called before anything starts, it also checks the other variables a run reads
    /// (`checkEnvironment`), so that a malformed one is a usage error (125) too.
    ///
    /// - Throws: `UsageError.invalidSessionID` for an inherited id that is not a UUID,
    ///   `UsageError.invalidValue` for a malformed variable.
    public func sessionToJoin(environment: [String: String]) throws(UsageError) -> SessionID? {
        try Self.checkEnvironment(environment)
        if let sessionID { return sessionID }
        guard !newSession, let inherited = environment["AGENTOPS_SESSION_ID"], !inherited.isEmpty else { return nil }
        guard let id = SessionID(inherited) else {
            throw .invalidSessionID(source: "AGENTOPS_SESSION_ID", value: inherited)
        }
        return id
    }

    /// Checks the variables agentops-run reads besides the session id:
    /// `AGENTOPS_RUN_LISTENER_TIMEOUT` (a duration over 0), `AGENTOPS_PARENT_KEY`
    /// (a UUID) and `AGENTOPS_RUN_EXPORT` (`v2` or `otlp`). Empty counts as unset.
    ///
    /// - Throws: `UsageError.invalidValue` naming the variable.
    public static func checkEnvironment(_ environment: [String: String]) throws(UsageError) {
        _ = try listenerTimeout(environment)
        try ProcessEnvironment.checkParentKey(environment)
        _ = try AgentOpsTransport(environment: environment)
    }

    /// `AGENTOPS_RUN_LISTENER_TIMEOUT`: the seconds a client of the listener or the LLM
    /// proxy may take to send a request; nil when unset or empty.
    ///
    /// - Throws: `UsageError.invalidValue` for anything but a duration over 0.
    public static func listenerTimeout(_ environment: [String: String]) throws(UsageError) -> Double? {
        guard let text = environment["AGENTOPS_RUN_LISTENER_TIMEOUT"], !text.isEmpty else { return nil }
        guard let seconds = DurationParser.seconds(text), seconds > 0 else {
            throw .invalidValue(option: "AGENTOPS_RUN_LISTENER_TIMEOUT", value: text,
                                expected: "a duration over 0 such as 10s (at most \(DurationParser.maximumText))")
        }
        return seconds
    }

    /// Parses agentops-run's arguments (without argv[0]). Options end at `--` or at
    /// the first argument that is not an option, so the command's own options are
    /// never taken: `agentops-run ls -l` runs `ls -l`.
    ///
    /// - Throws: `UsageError`.
    public static func parse(_ arguments: [String]) throws(UsageError) -> RunOptions {
        var options = RunOptions()
        var cursor = ArgumentCursor(arguments)
        do {
            while !cursor.isAtEnd {
                cursor.splitCluster(flags: "qh", valued: "tsk")
                let argument = cursor.current
                if argument == "--" {
                    cursor.advance()
                    break
                }
                guard argument.hasPrefix("-"), argument != "-" else { break }
                if let tag = try cursor.value(for: "--tag", short: "-t") {
                    options.tags.append(tag)
                } else if let id = try cursor.value(for: "--session-id") {
                    guard let parsed = SessionID(id) else {
                        throw UsageError.invalidSessionID(source: "--session-id", value: id)
                    }
                    options.sessionID = parsed
                } else if let value = try cursor.value(for: "--timeout") {
                    options.timeout = try duration(value, option: "--timeout")
                    if options.timeout == 0 { options.timeout = nil }
                } else if let value = try cursor.value(for: "--kill-after", short: "-k") {
                    options.killAfter = try duration(value, option: "--kill-after")
                } else if let value = try cursor.value(for: "--signal", short: "-s") {
                    guard let signal = SignalNames.number(of: value) else {
                        throw UsageError.invalidValue(option: "--signal", value: value,
                                                      expected: "a signal name or number such as TERM, INT or 9")
                    }
                    options.timeoutSignal = signal
                } else if let value = try cursor.value(for: "--tty") {
                    guard let mode = TerminalMode(rawValue: value) else {
                        throw UsageError.invalidValue(option: "--tty", value: value, expected: "auto, always, split or never")
                    }
                    options.terminalMode = mode
                } else if let value = try cursor.value(for: "--video") {
                    options.video = value
                } else if let value = try cursor.value(for: "--capture-limit") {
                    guard let bytes = SizeParser.bytes(value) else {
                        throw UsageError.invalidValue(option: "--capture-limit", value: value,
                                                      expected: "a size such as 16MiB, 512k or 0")
                    }
                    options.captureLimit = bytes
                } else if let value = try cursor.value(for: "--prices") {
                    options.pricesFile = value
                } else if let value = try cursor.value(for: "--redact") {
                    options.redactPatterns.append(value)
                } else if let value = try cursor.value(for: "--flush-timeout") {
                    options.flushTimeout = try duration(value, option: "--flush-timeout")
                } else if let value = try cursor.value(for: "--max-cost") {
                    options.maxCost = try cost(value, option: "--max-cost")
                } else if cursor.flag("--fail-on-declared") {
                    options.failOnDeclared = true
                } else if cursor.flag("--github") {
                    options.github = true
                } else if cursor.flag("--no-github") {
                    options.github = false
                } else if cursor.flag("--strict") {
                    options.strict = true
                } else if cursor.flag("--llm-proxy") {
                    options.llmProxy = true
                } else if cursor.flag("--no-listener") {
                    options.noListener = true
                } else if cursor.flag("--no-capture") {
                    options.noCapture = true
                } else if let value = try cursor.value(for: "--event-window") {
                    options.eventWindow = try duration(value, option: "--event-window")
                } else if cursor.flag("--new-session") {
                    options.newSession = true
                } else if cursor.flag("--quiet", "-q") {
                    options.quiet = true
                } else if cursor.flag("--help", "-h") {
                    options.showHelp = true
                    return options
                } else if cursor.flag("--version") {
                    options.showVersion = true
                    return options
                } else {
                    throw UsageError.unknownOption(argument)
                }
            }
        } catch let error as UsageError {
            throw error
        } catch {
            throw .unknownOption("\(error)")
        }
        if options.sessionID != nil, options.newSession {
            throw .conflictingOptions("--session-id", "--new-session")
        }
        options.command = cursor.isAtEnd ? [] : cursor.remaining
        if options.command.isEmpty { throw .missingCommand }
        return options
    }

    private static func duration(_ text: String, option: String) throws -> Double {
        guard let seconds = DurationParser.seconds(text) else {
            throw UsageError.invalidValue(option: option, value: text,
                                          expected: "a duration such as 90s, 5m, 1h30m, 250ms or plain seconds "
                                              + "(at most \(DurationParser.maximumText))")
        }
        return seconds
    }

    /// A positive amount of USD (`0.50`, `$2`).
    private static func cost(_ text: String, option: String) throws -> Decimal {
        let digits = text.hasPrefix("$") ? String(text.dropFirst()) : text
        guard digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let amount = Decimal(string: digits, locale: Locale(identifier: "en_US_POSIX")), amount > 0 else {
            throw UsageError.invalidValue(option: option, value: text, expected: "an amount of USD above 0 such as 0.50 or 5")
        }
        return amount
    }

    /// `agentops-run --help`; the man page's OPTIONS section says the same (a test
    /// checks that every option here is documented there).
    public static let helpText = """
    usage: agentops-run [options] [--] COMMAND [ARG...]

    Run COMMAND as a recorded AgentOps session: its output passes through untouched
    and is recorded (stdout lines as actions, stderr lines as errors; at a terminal
    one 'terminal' stream), every catchable signal is forwarded to it, and the session ends Success or Fail from its exit status.
    Sessions are stored under $AGENTOPS_HOME (default ~/.agentops); read them with
    'agentops sessions', 'agentops stats ID' and 'agentops export ID'. The AgentOps
    SDK in COMMAND records into the session through a loopback endpoint offered in
    AGENTOPS_API_ENDPOINT, and so do the SDK 0.4 and OpenTelemetry agents (OTLP/HTTP
    traces) through AGENTOPS_EXPORTER_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL and TRACEPARENT (the OTEL_* variables are left
    alone when an OTLP endpoint is already set); LLM calls are priced from the
    bundled price table.

    options:
      -t, --tag TAG        add a tag (repeatable; commas separate several tags)
          --session-id ID  join session ID instead of starting one
          --new-session    start a new session even inside another run
          --timeout DURATION
                           send --signal to the command after DURATION (90s, 5m,
                           1h30m, 250ms, plain seconds; 0: none; every DURATION is
                           at most 36500d); exit 124, or 137 if it had to be killed
      -s, --signal SIG     signal sent at the timeout (default TERM)
      -k, --kill-after DURATION
                           after a timeout or a second SIGINT sent to agentops-run,
                           SIGKILL the command this long after SIGTERM (default 10s)
          --tty WHEN       auto (default): at a terminal the command gets one
                           pseudo-terminal as its terminal and stdin/stdout/stderr
                           (pagers, editors, /dev/tty, job control work), recorded
                           as one 'terminal' stream without escape sequences:
                           stderr cannot be told apart there; elsewhere terminals
                           for the streams that go to one. split: stdout/stderr
                           each a terminal where agentops-run's is, told apart
                           (the command reads the real terminal). always: as auto,
                           plus terminals even outside one. never: pipes
          --event-window DURATION
                           lines within DURATION of an event's first line join
                           that event (default 100ms; 0: one event per line)
          --capture-limit SIZE
                           record at most SIZE of each stream (default 16MiB): the
                           head, a marker of what was left out, the last part;
                           0 records no output, only that marker
          --no-capture     pass output through without recording it (the session
                           and its end are still recorded)
          --no-listener    do not offer the command the loopback AgentOps and OTLP
                           endpoint that records its SDK calls and spans into the
                           session (its environment stays as it was)
          --llm-proxy      record every OpenAI and Anthropic API call of COMMAND
                           (model, tokens, cost, prompt, completion): point
                           OPENAI_BASE_URL and ANTHROPIC_BASE_URL at a loopback
                           proxy that forwards to the URL they had (else the
                           provider's), streams included, bytes unchanged
          --redact REGEX   also replace matches of REGEX with [REDACTED] in what is
                           recorded (repeatable; secrets from the environment
                           are always redacted)
          --prices FILE    extend or override the bundled LLM price table with FILE
                           (LiteLLM's JSON shape; default $AGENTOPS_PRICES)
          --video URL      record URL as the session's video
          --flush-timeout DURATION
                           with AGENTOPS_API_KEY: wait at most DURATION after the
                           command for the upload to finish (default 5s)
          --strict         exit 75 when the upload failed or could not start and the
                           command exited 0
          --max-cost USD   stop the command as --timeout does (--signal, then
                           SIGKILL after --kill-after) once the session's LLM cost
                           passes USD; exit 124, or 137 if it had to be killed
          --fail-on-declared
                           exit 1 when the session ends Fail or Indeterminate
                           (declared with 'agentops end' or the SDK) although
                           COMMAND exited 0
          --github, --no-github
                           GitHub Actions mode on or off (default: on when
                           GITHUB_ACTIONS=true): job summary, step outputs
                           session-id, state, cost and reason, annotations
      -q, --quiet          print none of agentops-run's own lines (errors excepted)
      -h, --help           show this help
          --version        show the version

    environment:
      AGENTOPS_HOME              where sessions are stored (default ~/.agentops)
      AGENTOPS_SESSION_ID        session to join; set for COMMAND to the session's id
      AGENTOPS_DEFAULT_TAGS      comma-separated tags added to every new session
      AGENTOPS_API_KEY           also upload the session to the AgentOps API
                                 (a UUID; through 'agentops sync')
      AGENTOPS_API_ENDPOINT      API base URL (default https://api.agentops.ai)
      AGENTOPS_RUN_EXPORT        how the session goes to the AgentOps API: v2 (the
                                 default: the v2 REST calls, the server's cost in
                                 the closing line) or otlp (as the SDK 0.4: a JWT
                                 from /v3/auth/token, then one OTLP trace to the
                                 AGENTOPS_EXPORTER_ENDPOINT of the environment
                                 given, default https://otlp.agentops.ai/v1/traces)
      AGENTOPS_PARENT_KEY        parent key sent with create_session (a UUID)
      AGENTOPS_PRICES            price file used when --prices is not given
      AGENTOPS_RUN_LISTENER_TIMEOUT
                                 seconds a client of the SDK listener or the LLM
                                 proxy may take to send a request (default 10; a
                                 duration over 0)
      AGENTOPS_RUN_LLM_PROXY     1 or true: as --llm-proxy
      AGENTOPS_RUN_LLM_PROXY_SESSION
                                 set for COMMAND with --llm-proxy: the session its
                                 proxy records into (a nested run in it reuses it)
      OPENAI_BASE_URL, ANTHROPIC_BASE_URL
                                 with --llm-proxy: where the proxy forwards to;
                                 set for COMMAND to the proxy
      AGENTOPS_ENV_DATA_OPT_OUT  true: record only OS and working directory in host_env
      AGENTOPS_RUN_CAPTURE, AGENTOPS_RUN_LISTENER, AGENTOPS_RUN_UPSTREAM_ENDPOINT,
      AGENTOPS_RUN_LISTENER_KEY  set for COMMAND: which pipes are already recorded,
                                 and the SDK listener, the endpoint it stands in for
                                 and its key (nested runs and agentops use them)
      AGENTOPS_RUN_REDACT        set for COMMAND with --redact: the patterns, which
                                 agentops event, tags add, end and nested runs apply
      AGENTOPS_EXPORTER_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
      TRACEPARENT, AGENTOPS_LOGGING_TO_FILE
                                 set for COMMAND with the listener, with
                                 OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (OpenTelemetry and
                                 the AgentOps SDK 0.4); the values they replace are
                                 kept in AGENTOPS_RUN_UPSTREAM-prefixed copies
                                 (AGENTOPS_RUN_UPSTREAM_<NAME>)
      OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
                                 also export each session to this OpenTelemetry
                                 collector (see agentops --help for the other OTEL_*)
      NO_COLOR                   set: no colour in agentops-run's own lines
      GITHUB_ACTIONS             true: GitHub Actions mode (see --github); it
                                 writes to GITHUB_STEP_SUMMARY and GITHUB_OUTPUT
                                 and records GITHUB_REPOSITORY, GITHUB_REF,
                                 GITHUB_SHA, GITHUB_WORKFLOW, GITHUB_JOB and the
                                 run URL (GITHUB_SERVER_URL, GITHUB_RUN_ID,
                                 GITHUB_RUN_ATTEMPT) in the session's host_env

    exit status: COMMAND's status; if COMMAND was killed by a signal, agentops-run
    kills itself with the same signal; 124 timed out or over --max-cost, 137 then
    killed, 127 command not found, 126 not executable, 125 usage error of
    agentops-run or its own failure before the command started (a descriptor
    limit that leaves it fewer than 64 of its own, more than 247 inherited
    descriptors above 2, a limit on processes or address space that leaves it too
    little, the variables it adds making the command's arguments and environment
    too long),
    75 upload failed with --strict, 1 session Fail or Indeterminate with
    --fail-on-declared while COMMAND exited 0.
    """
}
