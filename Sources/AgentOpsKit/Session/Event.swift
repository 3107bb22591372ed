/// One recorded event, carrying the wire field names of the AgentOps protocol.
///
/// The common fields are typed; what differs per `event_type` (an action's
/// `action_type` and `logs`, an error's `error_type` and `details`, …) is kept as
/// ordered JSON so that events from the SDK, from `agentops event` and from the
/// capture path share one representation from the store to the export.
public struct Event: Sendable, Equatable {
    /// The event id (UUID).
    public var id: String
    /// Which table the event belongs to.
    public var type: EventType
    /// When the event began (for captured output: when its first bytes were read).
    public var initTimestamp: Timestamp
    /// When the event ended (for captured output: when its last line was read).
    public var endTimestamp: Timestamp
    /// The session the event belongs to.
    public var sessionID: SessionID
    /// The fields specific to `type`, in wire names.
    public var fields: [(String, JSONValue)]

    /// An event of `type` with the given specific fields.
    public init(id: String = newEventID(), type: EventType, initTimestamp: Timestamp, endTimestamp: Timestamp,
                sessionID: SessionID, fields: [(String, JSONValue)]) {
        self.id = id
        self.type = type
        self.initTimestamp = initTimestamp
        self.endTimestamp = endTimestamp
        self.sessionID = sessionID
        self.fields = fields
    }

    public static func == (lhs: Event, rhs: Event) -> Bool { lhs.json == rhs.json }

    /// The event as sent on the wire and stored: common fields first, then the
    /// specific ones. Errors also carry the server's `timestamp` (both styles).
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .string(id)),
            ("event_type", .string(type.rawValue)),
            ("init_timestamp", .string(initTimestamp.description)),
            ("end_timestamp", .string(endTimestamp.description)),
        ]
        if type == .errors { pairs.append(("timestamp", .string(initTimestamp.description))) }
        pairs.append(("session_id", .string(sessionID.value)))
        pairs.append(contentsOf: fields)
        return .object(pairs)
    }

    /// Appends `json`'s compact text to `out` without building it: the session log's
    /// event lines are written through here, tens of thousands a second from the listener.
    public func writeJSON(into out: inout [UInt8]) {
        JSONWriter.raw("{\"id\":", into: &out)
        JSONWriter.writeString(id, into: &out)
        JSONWriter.raw(",\"event_type\":\"", into: &out)
        out.append(contentsOf: type.rawValue.utf8)
        JSONWriter.raw("\",\"init_timestamp\":\"", into: &out)
        initTimestamp.write(into: &out)
        JSONWriter.raw("\",\"end_timestamp\":\"", into: &out)
        endTimestamp.write(into: &out)
        if type == .errors {
            JSONWriter.raw("\",\"timestamp\":\"", into: &out)
            initTimestamp.write(into: &out)
        }
        JSONWriter.raw("\",\"session_id\":", into: &out)
        JSONWriter.writeString(sessionID.value, into: &out)
        for (key, value) in fields {
            out.append(UInt8(ascii: ","))
            JSONWriter.writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.writeCompact(value, into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// An action with the SDK's fields.
    private static func action(_ actionType: String, logs: String, returns: String? = nil, from start: Timestamp,
                               to end: Timestamp, session: SessionID) -> Event {
        Event(type: .actions, initTimestamp: start, endTimestamp: end, sessionID: session, fields: [
            ("agent_id", .null),
            ("action_type", .string(actionType)),
            ("logs", .string(logs)),
            ("screenshot", .null),
            ("params", .null),
            ("returns", .optionalString(returns)),
        ])
    }

    /// A line (or a burst of lines) the command wrote to its standard output.
    public static func stdout(_ text: String, from start: Timestamp, to end: Timestamp, session: SessionID) -> Event {
        action("stdout", logs: text, from: start, to: end, session: session)
    }

    /// A line (or a burst of lines) the command wrote to its controlling terminal in an
    /// interactive run, escape sequences removed.
    public static func terminal(_ text: String, from start: Timestamp, to end: Timestamp, session: SessionID) -> Event {
        action("terminal", logs: text, from: start, to: end, session: session)
    }

    /// A line (or a burst of lines) the command wrote to its standard error.
    public static func stderr(_ text: String, from start: Timestamp, to end: Timestamp, session: SessionID) -> Event {
        Event(type: .errors, initTimestamp: start, endTimestamp: end, sessionID: session, fields: [
            ("agent_id", .null),
            ("error_type", .string("stderr")),
            ("code", .null),
            ("details", .string(text)),
            ("logs", .null),
            ("trigger_event_id", .null),
            ("trigger_event_type", .null),
        ])
    }

    /// The marker between the recorded head and tail of a stream that went over its
    /// capture limit, saying exactly what was left out.
    public static func captureLimit(_ text: String, from start: Timestamp, to end: Timestamp,
                                    session: SessionID) -> Event {
        action("capture_limit", logs: text, from: start, to: end, session: session)
    }

    /// A nested `agentops-run` step that joined this session: its command line and
    /// how it ended, spanning its run.
    public static func command(_ commandLine: String, outcome: String, from start: Timestamp, to end: Timestamp,
                               session: SessionID) -> Event {
        action("command", logs: commandLine, returns: outcome, from: start, to: end, session: session)
    }

    /// Reads an event back from its stored JSON; nil when a required field is missing
    /// or malformed.
    ///
    /// One pass over the pairs (the last of a repeated name wins, as `JSONValue`'s
    /// subscript): every exporter and reader of a session parses each of its events
    /// here, a million for a big session.
    public init?(json: JSONValue) {
        guard case let .object(pairs) = json else { return nil }
        var id: String?, typeName: String?, sessionText: String?
        var initText: String?, timestampText: String?, endText: String?
        var fields: [(String, JSONValue)] = []
        fields.reserveCapacity(max(0, pairs.count - 5))
        for (key, value) in pairs {
            switch key {
            case "id": id = value.stringValue
            case "event_type": typeName = value.stringValue
            case "session_id": sessionText = value.stringValue
            case "init_timestamp": initText = value.stringValue
            case "timestamp": timestampText = value.stringValue
            case "end_timestamp": endText = value.stringValue
            default: fields.append((key, value))
            }
        }
        guard let id, let typeName, let type = EventType(rawValue: typeName),
              let sessionText, let session = SessionID(sessionText),
              let start = (initText ?? timestampText).flatMap(Timestamp.init(iso8601:))
        else { return nil }
        let end = endText.flatMap(Timestamp.init(iso8601:)) ?? start
        self.init(id: id, type: type, initTimestamp: start, endTimestamp: end, sessionID: session, fields: fields)
    }
}
