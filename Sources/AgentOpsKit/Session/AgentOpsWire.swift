/// The AgentOps v2 wire schema of sessions, in one place: the session row the export
/// endpoint returns (also the session log's start record), the session object
/// `create_session`/`update_session` send, and the columns of the export tables.
/// Events carry their own fields (`Event.json`), as the SDK builds them.
extension Session {
    /// The session row as the export endpoint returns it (`id`, `project_id`, …,
    /// `host_env`), followed by `command`.
    public var exportRow: JSONValue {
        .object([("id", .string(id.value)), ("project_id", .optionalString(projectID))] + sharedFields
            + [("command", .array(command.map { .string($0) }))])
    }

    /// The fields the export row and the SDK's session object share, in their order.
    private var sharedFields: [(String, JSONValue)] {
        [
            ("init_timestamp", .string(initTimestamp.description)),
            ("end_timestamp", .optionalString(endTimestamp?.description)),
            ("tags", .array(tags.map { .string($0) })),
            ("end_state", .string(endState.rawValue)),
            ("end_state_reason", .optionalString(endStateReason)),
            ("video", .optionalString(video)),
            ("host_env", hostEnv),
        ]
    }

    /// Reads a session back from its export row; nil when `id` or `init_timestamp` is
    /// missing or malformed.
    public init?(exportRow row: JSONValue) {
        guard let id = row["id"]?.stringValue.flatMap(SessionID.init),
              let start = row["init_timestamp"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { return nil }
        self.init(id: id, initTimestamp: start,
                  tags: row["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                  hostEnv: row["host_env"] ?? .null,
                  command: row["command"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                  video: row["video"]?.stringValue)
        projectID = row["project_id"]?.stringValue
        endTimestamp = row["end_timestamp"]?.stringValue.flatMap(Timestamp.init(iso8601:))
        endState = row["end_state"]?.stringValue.flatMap(EndState.init(rawValue:)) ?? .indeterminate
        endStateReason = row["end_state_reason"]?.stringValue
    }

    /// The session as the SDK sends it in `create_session` and `update_session` (the
    /// keys the server reads, and `event_counts`).
    public func sdkObject(counts: [EventType: Int]) -> JSONValue {
        .object([("session_id", .string(id.value))] + sharedFields + [
            ("event_counts", .object(EventType.allCases.map { ($0.rawValue, .int(counts[$0, default: 0])) })),
        ])
    }
}

/// The export tables of `GET /v2/sessions/<id>/export`.
public enum ExportTables {
    /// The columns of each export table, in the server's order (its `select("*")`).
    /// Errors also carry `init_timestamp`/`end_timestamp`, which the local store keeps
    /// for every event.
    public static let columns: [EventType: [String]] = [
        .actions: ["id", "session_id", "agent_id", "action_type", "logs", "screenshot", "params", "returns",
                   "init_timestamp", "end_timestamp"],
        .llms: ["id", "session_id", "agent_id", "thread_id", "prompt", "completion", "model", "prompt_tokens",
                "completion_tokens", "cost", "params", "returns", "init_timestamp", "end_timestamp"],
        .tools: ["id", "session_id", "agent_id", "name", "logs", "params", "returns", "init_timestamp",
                 "end_timestamp"],
        .errors: ["id", "session_id", "trigger_event_id", "trigger_event_type", "error_type", "code", "details",
                  "logs", "timestamp", "init_timestamp", "end_timestamp"],
    ]

    /// The export table an event lands in: the server files every type it does not
    /// know (such as `apis`) under actions.
    public static func table(for type: EventType) -> EventType {
        switch type {
        case .llms, .tools, .errors: return type
        case .actions, .apis: return .actions
        }
    }
}
