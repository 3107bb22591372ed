import Foundation

/// `agentops event …`, `agentops tags …` and `agentops end …`: record LLM calls, tool
/// calls, actions, errors, tags and a declared end into a running session from any
/// language — what the Python SDK's `record`, `add_tags` and `end_session` do.
///
/// Everything is checked before anything is written, and one record is appended in
/// one write, so a rejected call leaves the session exactly as it was.
enum SessionCommands {
    /// Why a recording call was refused; `agentops` exits 1 with it.
    enum Failure: Error, CustomStringConvertible, Equatable {
        case notInSession
        case invalidSessionID(String)
        case unknownSession(String, home: String)
        case missing(String)
        case invalid(option: String, value: String, expected: String)
        case unknownOption(String, command: String)
        case unexpectedArgument(String, command: String)
        case tooDeep(option: String, levels: Int, allowed: Int)

        var description: String {
            switch self {
            case .notInSession:
                return "not in a session: run this under agentops-run (which sets AGENTOPS_SESSION_ID) "
                    + "or pass --session-id ID"
            case let .invalidSessionID(value):
                return "'\(value)' is not a session id (a UUID)"
            case let .unknownSession(id, home):
                return "session \(id) is not in \(home) (see 'agentops sessions')"
            case let .missing(what):
                return "\(what) is required"
            case let .invalid(option, value, expected):
                return "invalid value '\(value)' for \(option): expected \(expected)"
            case let .unknownOption(option, command):
                return "unknown option '\(option)' for '\(command)' (see 'agentops --help')"
            case let .tooDeep(option, levels, allowed):
                return "\(option) is nested \(levels) levels deep; at most \(allowed) are recorded"
            case let .unexpectedArgument(argument, command):
                return "unexpected argument '\(argument)' for '\(command)' (see 'agentops --help')"
            }
        }
    }

    /// The options a kind of event takes, and which are required.
    private struct Spec {
        var command: String
        var options: [String]
        var required: [String]
    }

    /// `agentops event KIND [options]`.
    static func event(_ arguments: [String], store: LocalStore, environment: [String: String]) throws -> Int32 {
        guard let kind = arguments.first else {
            throw Failure.missing("the event kind (llm, tool, action or error)")
        }
        let specs: [String: Spec] = [
            "llm": Spec(command: "event llm", options: ["--model", "--prompt-tokens", "--completion-tokens",
                                                        "--prompt", "--completion", "--cost", "--cached-tokens"],
                        required: ["--model", "--prompt-tokens", "--completion-tokens"]),
            "tool": Spec(command: "event tool", options: ["--name", "--params", "--returns"], required: ["--name"]),
            "action": Spec(command: "event action", options: ["--type", "--logs"], required: ["--type"]),
            "error": Spec(command: "event error", options: ["--type", "--code", "--details"], required: ["--type"]),
        ]
        guard let spec = specs[kind] else {
            throw Failure.invalid(option: "event", value: kind, expected: "llm, tool, action or error")
        }
        let (values, rest) = try parse(Array(arguments.dropFirst()), spec: spec)
        if let extra = rest.first { throw Failure.unexpectedArgument(extra, command: spec.command) }
        let (id, file) = try openSession(values["--session-id"], store: store, environment: environment)
        let now = Timestamp.now()
        let fields: [(String, JSONValue)]
        let type: EventType
        switch kind {
        case "llm":
            type = .llms
            var llm: [(String, JSONValue)] = [
                ("agent_id", .null), ("thread_id", .null),
                ("prompt", .optionalString(values["--prompt"])),
                ("completion", .optionalString(values["--completion"])),
                ("model", .string(values["--model"]!)),
                ("prompt_tokens", .int(try count(values["--prompt-tokens"]!, option: "--prompt-tokens"))),
                ("completion_tokens", .int(try count(values["--completion-tokens"]!, option: "--completion-tokens"))),
            ]
            // No --cost: null, as the SDK sends it, and the tokens are priced from the
            // price table (here and on the server).
            llm.append(("cost", try values["--cost"].map { .number(try money($0)) } ?? .null))
            if let cached = values["--cached-tokens"] {
                // Prompt tokens served from the provider's cache, priced at the cached
                // rate where the table has one (a field the server ignores).
                let tokens = try count(cached, option: "--cached-tokens")
                guard tokens <= llm.first(where: { $0.0 == "prompt_tokens" })?.1.intValue ?? 0 else {
                    throw Failure.invalid(option: "--cached-tokens", value: cached,
                                          expected: "a whole number ≤ --prompt-tokens")
                }
                llm.append(("cached_tokens", .int(tokens)))
            }
            llm += [("params", .null), ("returns", .null)]
            fields = llm
        case "tool":
            type = .tools
            fields = [
                ("agent_id", .null), ("name", .string(values["--name"]!)), ("logs", .null),
                ("params", try json(values["--params"], option: "--params")),
                ("returns", try json(values["--returns"], option: "--returns")),
            ]
        case "action":
            type = .actions
            fields = [
                ("agent_id", .null), ("action_type", .string(values["--type"]!)),
                ("logs", .optionalString(values["--logs"])), ("screenshot", .null), ("params", .null),
                ("returns", .null),
            ]
        default:
            type = .errors
            fields = [
                ("agent_id", .null), ("error_type", .string(values["--type"]!)),
                ("code", .optionalString(values["--code"])), ("details", .optionalString(values["--details"])),
                ("logs", .null), ("trigger_event_id", .null), ("trigger_event_type", .null),
            ]
        }
        try file.append(.event(Event(type: type, initTimestamp: now, endTimestamp: now, sessionID: id, fields: fields)))
        return 0
    }

    /// `agentops tags add TAG...` and `agentops tags set TAG...`.
    static func tags(_ arguments: [String], store: LocalStore, environment: [String: String]) throws -> Int32 {
        guard let verb = arguments.first, verb == "add" || verb == "set" else {
            throw Failure.invalid(option: "tags", value: arguments.first ?? "", expected: "add or set")
        }
        let spec = Spec(command: "tags \(verb)", options: [], required: [])
        let (values, given) = try parse(Array(arguments.dropFirst()), spec: spec)
        let tags = Tags.normalized(given)
        if tags.isEmpty, verb == "add" { throw Failure.missing("at least one tag") }
        let (id, file) = try openSession(values["--session-id"], store: store, environment: environment)
        let current = try SessionSummary.load(path: store.path(of: id)).session.tags
        try file.append(.tags(verb == "add" ? Tags.normalized(current + tags) : tags))
        return 0
    }

    /// `agentops end STATE [--reason TEXT]`.
    static func end(_ arguments: [String], store: LocalStore, environment: [String: String]) throws -> Int32 {
        let spec = Spec(command: "end", options: ["--reason"], required: [])
        let (values, rest) = try parse(arguments, spec: spec)
        guard let stateText = rest.first else { throw Failure.missing("the end state (Success, Fail or Indeterminate)") }
        if rest.count > 1 { throw Failure.unexpectedArgument(rest[1], command: "end") }
        guard let state = EndState.allCases.first(where: { $0.rawValue.lowercased() == stateText.lowercased() }) else {
            throw Failure.invalid(option: "end", value: stateText, expected: "Success, Fail or Indeterminate")
        }
        let (_, file) = try openSession(values["--session-id"], store: store, environment: environment)
        try file.append(.declaredEnd(.init(timestamp: .now(), state: state, reason: values["--reason"])))
        return 0
    }

    /// Splits `arguments` into option values (`--session-id` is always allowed) and
    /// the remaining positional arguments.
    private static func parse(_ arguments: [String], spec: Spec) throws -> ([String: String], [String]) {
        var values: [String: String] = [:]
        var positional: [String] = []
        var cursor = ArgumentCursor(arguments)
        while !cursor.isAtEnd {
            let argument = cursor.current
            if argument == "--" {
                cursor.advance()
                positional += cursor.remaining
                break
            }
            guard argument.hasPrefix("--") else {
                positional.append(argument)
                cursor.advance()
                continue
            }
            var matched = false
            for option in spec.options + ["--session-id"] {
                let value: String?
                do {
                    value = try cursor.value(for: option)
                } catch {
                    throw Failure.missing("a value for \(option)")
                }
                if let value {
                    values[option] = value
                    matched = true
                    break
                }
            }
            if !matched { throw Failure.unknownOption(argument, command: spec.command) }
        }
        for option in spec.required where values[option] == nil { throw Failure.missing(option) }
        return (values, positional)
    }

    /// The session to record into and its file; the session must already be stored.
    private static func openSession(_ given: String?, store: LocalStore,
                                    environment: [String: String]) throws -> (SessionID, RedactingFile) {
        guard let text = given ?? environment["AGENTOPS_SESSION_ID"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw Failure.notInSession
        }
        guard let id = SessionID(text) else { throw Failure.invalidSessionID(text) }
        guard store.exists(id) else { throw Failure.unknownSession(id.value, home: store.home) }
        return (id, RedactingFile(file: try store.open(id), redactor: try Redactor(environment: environment)))
    }

    /// A session file that redacts secrets of this environment from what it appends,
    /// as the wrapper's recorder does.
    struct RedactingFile {
        let file: SessionFile
        let redactor: Redactor

        func append(_ record: StoreRecord) throws { try file.append(redactor.redact(record)) }
    }

    /// A token count, within `LLMNumbers`' limit (the listener checks the same way).
    private static func count(_ text: String, option: String) throws -> Int {
        do {
            return try LLMNumbers.tokens(text, field: option)
        } catch {
            throw Failure.invalid(option: option, value: text, expected: error.expected)
        }
    }

    /// A cost in USD as exact decimal text, within `LLMNumbers`' limits.
    private static func money(_ text: String) throws -> String {
        do {
            return try LLMNumbers.cost(text, field: "--cost")
        } catch {
            throw Failure.invalid(option: "--cost", value: text, expected: error.expected)
        }
    }

    /// A JSON document given on the command line (nil → null), no deeper than a
    /// reader accepts once it is stored inside its event record.
    private static func json(_ text: String?, option: String) throws -> JSONValue {
        guard let text else { return .null }
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw Failure.invalid(option: option, value: text, expected: "JSON (\(error))")
        }
        // The record is {"event": {OPTION: value}}: two levels above the value.
        let allowed = JSONParser.maxNesting - 2
        guard value.nestingLevels <= allowed else {
            throw Failure.tooDeep(option: option, levels: value.nestingLevels, allowed: allowed)
        }
        return value
    }
}
