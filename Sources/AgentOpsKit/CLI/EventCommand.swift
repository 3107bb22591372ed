import Foundation

/// `agentops event llm|tool|action|error`: one event into the running session.
extension SessionCommands {
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
}
