import Foundation

/// `agentops event llm|tool|action|error`: one event into the running session.
extension SessionCommands {
    static let eventUsage = """
    usage: agentops event llm --model M --prompt-tokens N --completion-tokens N
                              [--prompt TEXT] [--completion TEXT] [--cost USD]
                              [--cached-tokens N] [--started TIME] [--duration D]
           agentops event tool --name NAME [--params JSON] [--returns JSON]
                               [--started TIME] [--duration D]
           agentops event action --type TYPE [--logs TEXT]
           agentops event error --type TYPE [--code CODE] [--details TEXT]

    Record one event into the running session ($AGENTOPS_SESSION_ID, or
    --session-id ID), as the SDK's record() does. Everything is checked before
    anything is written.

      llm     an LLM call; without --cost it is priced from the price table
              (--cached-tokens: prompt tokens read from the provider's cache)
      tool    a tool call; --params and --returns are JSON
      action  an action of TYPE
      error   an error of TYPE

          --started TIME   when the call began (ISO 8601); it ends now, or after
                           --duration
          --duration D     how long the call took (1.5s, 250ms, 1m 30s); without
                           --started it began that long ago
          --session-id ID  the session, instead of $AGENTOPS_SESSION_ID
      -h, --help           show this help
    """

    /// `agentops event KIND [options]`.
    static func event(_ arguments: [String], store: LocalStore, environment: [String: String]) throws -> Int32 {
        guard let kind = arguments.first else {
            throw Failure.missing("the event kind (llm, tool, action or error)")
        }
        let specs: [String: Spec] = [
            "llm": Spec(command: "event llm", options: ["--model", "--prompt-tokens", "--completion-tokens",
                                                        "--prompt", "--completion", "--cost", "--cached-tokens",
                                                        "--started", "--duration"],
                        required: ["--model", "--prompt-tokens", "--completion-tokens"]),
            "tool": Spec(command: "event tool", options: ["--name", "--params", "--returns", "--started", "--duration"],
                         required: ["--name"]),
            "action": Spec(command: "event action", options: ["--type", "--logs"], required: ["--type"]),
            "error": Spec(command: "event error", options: ["--type", "--code", "--details"], required: ["--type"]),
        ]
        guard let spec = specs[kind] else {
            throw Failure.invalid(option: "event", value: kind, expected: "llm, tool, action or error")
        }
        let (values, rest) = try parse(Array(arguments.dropFirst()), spec: spec)
        if let extra = rest.first { throw Failure.unexpectedArgument(extra, command: spec.command) }
        let (id, file) = try openSession(values["--session-id"], store: store, environment: environment)
        let (start, end) = try span(started: values["--started"], duration: values["--duration"], now: .now())
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
        try file.append(.event(Event(type: type, initTimestamp: start, endTimestamp: end, sessionID: id,
                                     fields: fields)))
        return 0
    }

    /// When a call began and ended: `--started` (ISO 8601) and `--duration` (`1.5s`,
    /// `1m 30s`); with one of them the call ends now, or began `--duration` ago; with
    /// neither it is an instant, now.
    ///
    /// - Throws: `Failure.invalid` for a malformed value or a start after the end.
    static func span(started: String?, duration: String?, now: Timestamp) throws -> (Timestamp, Timestamp) {
        let seconds = try duration.map { text -> Double in
            guard let seconds = DurationParser.seconds(text) else {
                throw Failure.invalid(option: "--duration", value: text,
                                      expected: "a duration such as 1.5s, 250ms or 1m 30s")
            }
            return seconds
        }
        // At most 100 years (DurationParser): the product fits in microseconds.
        let micros = seconds.map { Int64(($0 * 1_000_000).rounded()) }
        guard let started else {
            return (now.adding(microseconds: -(micros ?? 0)), now)
        }
        guard let start = Timestamp(iso8601: started) else {
            throw Failure.invalid(option: "--started", value: started,
                                  expected: "an ISO 8601 time such as 2026-11-21T05:40:01.250Z")
        }
        let end = micros.map { start.adding(microseconds: $0) } ?? now
        guard start <= end else {
            throw Failure.invalid(option: "--started", value: started, expected: "a time before now")
        }
        return (start, end)
    }
}
