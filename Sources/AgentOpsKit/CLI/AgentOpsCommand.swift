import Foundation
import Glibc

/// `agentops`: lists, summarises and exports the sessions in the local store.
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
    /// - Returns: the exit status.
    public static func main(arguments given: [String], environment: [String: String]) -> Int32 {
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
                return try sessions(rest, store: store, prices: try prices(), console: console)
            case "stats":
                return try stats(rest, store: store, prices: try prices(), console: console)
            case "export":
                return try export(rest, store: store, prices: try prices(), console: console)
            case "show":
                return try show(rest, store: store, prices: try prices(), console: console)
            case "report":
                return try ReportCommand.run(rest, store: store, prices: try prices(), console: console)
            case "prices":
                return try PricesCommand.run(rest, prices: try prices())
            case "prune":
                return try prune(rest, store: store, console: console)
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

    /// Splits the tool's one global option, `--prices FILE` before the command (as
    /// `git -C`), from the command and its arguments.
    ///
    /// - Throws: `UsageError` for `--prices` without a file.
    public static func globalOptions(_ arguments: [String]) throws(UsageError) -> (pricesFile: String?,
                                                                                  command: [String]) {
        var cursor = ArgumentCursor(arguments)
        do {
            guard !cursor.isAtEnd, let file = try cursor.value(for: "--prices") else { return (nil, arguments) }
            return (file, cursor.isAtEnd ? [] : cursor.remaining)
        } catch let error as UsageError {
            throw error
        } catch {
            throw .unknownOption("\(error)")
        }
    }

    private static func sessions(_ arguments: [String], store: LocalStore, prices: PriceTable,
                                console: Console) throws -> Int32 {
        var limit = 20
        var json = false
        var tags: [String] = []
        var state: EndState?
        var since: Timestamp?
        var cursor = ArgumentCursor(arguments)
        while !cursor.isAtEnd {
            if let value = try cursor.value(for: "--limit", short: "-n") {
                guard let number = Int(value), number >= 0 else {
                    throw UsageError.invalidValue(option: "--limit", value: value, expected: "a number ≥ 0 (0: all)")
                }
                limit = number
            } else if let value = try cursor.value(for: "--tag", short: "-t") {
                tags.append(value)
            } else if let value = try cursor.value(for: "--state") {
                guard let parsed = EndState.allCases.first(where: { $0.rawValue.lowercased() == value.lowercased() })
                else {
                    throw UsageError.invalidValue(option: "--state", value: value,
                                                  expected: "Success, Fail or Indeterminate")
                }
                state = parsed
            } else if let value = try cursor.value(for: "--since") {
                guard let parsed = sinceTimestamp(value) else {
                    throw UsageError.invalidValue(option: "--since", value: value,
                                                  expected: "a duration ago (2h, 7d) or a date (2026-11-21, ISO 8601)")
                }
                since = parsed
            } else if cursor.flag("--json") {
                json = true
            } else if cursor.flag("-h", "--help") {
                print(helpText)
                return Status.ok
            } else {
                throw cursor.current.hasPrefix("-") ? UsageError.unknownOption(cursor.current)
                    : UsageError.unexpectedArgument(cursor.current)
            }
        }
        let wantedTags = Tags.normalized(tags)
        var summaries = store.summaries().filter { summary in
            wantedTags.allSatisfy(summary.session.tags.contains)
                && (state == nil || summary.session.endState == state)
                && (since == nil || summary.session.initTimestamp >= since!)
        }
        if limit > 0 { summaries = Array(summaries.prefix(limit)) }
        for summary in summaries {
            for problem in summary.problems { console.warning("\(problem)") }
        }
        let now = Timestamp.now()
        var uploaded: [SessionID: Bool] = [:]
        for summary in summaries where SyncState.exists(summary.session.id, store: store) {
            uploaded[summary.session.id] = SyncState.isUploaded(summary.session.id, store: store, summary: summary)
        }
        if json {
            print(JSONWriter.pretty(.array(summaries.map {
                SessionsTable.json($0, prices: prices, uploaded: uploaded[$0.session.id], now: now)
            })))
        } else if summaries.isEmpty {
            console.error(tags.isEmpty && state == nil && since == nil
                ? "no sessions in \(store.home) yet (record one with 'agentops-run -- COMMAND')"
                : "no session matches")
        } else {
            print(SessionsTable.text(summaries, prices: prices, uploaded: uploaded, now: now))
        }
        return Status.ok
    }

    /// The single session-id argument of `stats`, `export` and `show`; `options` may
    /// take an option (consuming it) and return true.
    private static func sessionArgument(_ arguments: [String], store: LocalStore,
                                        options: (inout ArgumentCursor) throws -> Bool = { _ in false }) throws -> String? {
        var cursor = ArgumentCursor(arguments)
        var query: String?
        while !cursor.isAtEnd {
            if cursor.flag("-h", "--help") { return nil }
            if try options(&cursor) { continue }
            if cursor.current.hasPrefix("-") { throw UsageError.unknownOption(cursor.current) }
            guard query == nil else { throw UsageError.unexpectedArgument(cursor.current) }
            query = cursor.current
            cursor.advance()
        }
        guard let query else { throw UsageError.missingValue(option: "session id (an id, a unique prefix or 'last')") }
        return store.path(of: try store.resolve(query))
    }

    private static func stats(_ arguments: [String], store: LocalStore, prices: PriceTable,
                                console: Console) throws -> Int32 {
        guard let path = try sessionArgument(arguments, store: store) else {
            print(helpText)
            return Status.ok
        }
        let summary = try SessionSummary.load(path: path)
        for problem in summary.problems { console.warning("\(problem)") }
        print(JSONWriter.pretty(SessionExport.stats(summary, prices: prices)))
        return Status.ok
    }

    private static func export(_ arguments: [String], store: LocalStore, prices: PriceTable,
                                console: Console) throws -> Int32 {
        var format = "json"
        let found = try sessionArgument(arguments, store: store) { cursor in
            guard let value = try cursor.value(for: "--format") else { return false }
            guard ["json", "jsonl"].contains(value) else {
                throw UsageError.invalidValue(option: "--format", value: value, expected: "json or jsonl")
            }
            format = value
            return true
        }
        guard let path = found else {
            print(helpText)
            return Status.ok
        }
        if format == "jsonl" {
            let problems = try SessionExport.streamLines(path: path, prices: prices) { line in writeAll(line + [0x0A], to: 1) }
            for problem in problems { console.warning("\(problem)") }
            return Status.ok
        }
        let (document, problems) = try SessionExport.document(path: path, prices: prices)
        for problem in problems { console.warning("\(problem)") }
        print(JSONWriter.pretty(document))
        return Status.ok
    }

    private static func show(_ arguments: [String], store: LocalStore, prices: PriceTable,
                                console: Console) throws -> Int32 {
        guard let path = try sessionArgument(arguments, store: store) else {
            print(helpText)
            return Status.ok
        }
        let summary = try SessionSummary.load(path: path)
        let (document, problems) = try SessionExport.document(path: path, prices: prices)
        for problem in problems { console.warning("\(problem)") }
        let colour = isatty(1) == 1 && console.colour
        print(SessionView.render(document, summary: summary, prices: prices, colour: colour))
        return Status.ok
    }

    private static func prune(_ arguments: [String], store: LocalStore, console: Console) throws -> Int32 {
        var olderThan: Double?
        var keep: Int?
        var cursor = ArgumentCursor(arguments)
        while !cursor.isAtEnd {
            if let value = try cursor.value(for: "--older-than") {
                guard let seconds = DurationParser.seconds(value) else {
                    throw UsageError.invalidValue(option: "--older-than", value: value, expected: "a duration such as 30d")
                }
                olderThan = seconds
            } else if let value = try cursor.value(for: "--keep") {
                guard let number = Int(value), number >= 0 else {
                    throw UsageError.invalidValue(option: "--keep", value: value, expected: "a number ≥ 0")
                }
                keep = number
            } else {
                throw cursor.current.hasPrefix("-") ? UsageError.unknownOption(cursor.current)
                    : UsageError.unexpectedArgument(cursor.current)
            }
        }
        guard olderThan != nil || keep != nil else { throw UsageError.missingValue(option: "--older-than or --keep") }
        let removed = store.prune(olderThan: olderThan, keep: keep)
        console.info("removed \(removed.count) session\(removed.count == 1 ? "" : "s")")
        return Status.ok
    }

    /// `--since`: a duration ago (`2h`, `7d`), a date (`2026-11-21`, UTC midnight) or an
    /// ISO 8601 timestamp.
    static func sinceTimestamp(_ text: String, now: Timestamp = .now()) -> Timestamp? {
        if let seconds = DurationParser.seconds(text) {
            return Timestamp(microseconds: now.microseconds - Int64(seconds * 1_000_000))
        }
        if let exact = Timestamp(iso8601: text) { return exact }
        return Timestamp(iso8601: text + "T00:00:00+00:00")
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
