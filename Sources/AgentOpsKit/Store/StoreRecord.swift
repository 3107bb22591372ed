/// One line of the session log (`SessionLog`), and the log's format.
///
/// The owner writes `start` before the command runs and `end` after it; anyone in the
/// session (the owner's capture and listener, nested runs, `agentops event`) appends
/// `event`, `tags_added` and `declared_end` lines. Tags are added, never rewritten,
/// by writers that may run concurrently, so no writer can drop another's tag; only
/// `agentops tags set` replaces the list (a `tags` line).
public enum StoreRecord: Sendable, Equatable {
    /// The session as it starts.
    case start(Session)
    /// An event in the session.
    case event(Event)
    /// The tags replaced by a new list (`agentops tags set`).
    case tags([String])
    /// Tags added to the session's (any writer; the order of the log decides).
    case tagsAdded([String])
    /// The session's end.
    case end(EndRecord)
    /// The command declared how the session ended (`agentops end`, the SDK's
    /// `end_session`); the owner combines it with the exit when it ends the session.
    case declaredEnd(DeclaredEnd)

    /// An end state declared from inside the session.
    public struct DeclaredEnd: Sendable, Equatable {
        /// When it was declared.
        public var timestamp: Timestamp
        /// The declared state.
        public var state: EndState
        /// The declared reason, if any.
        public var reason: String?

        /// A declaration.
        public init(timestamp: Timestamp, state: EndState, reason: String?) {
            self.timestamp = timestamp
            self.state = state
            self.reason = reason
        }
    }

    /// What ends a session.
    public struct EndRecord: Sendable, Equatable {
        /// When it ended.
        public var timestamp: Timestamp
        /// Its end state.
        public var state: EndState
        /// Why, in words.
        public var reason: String
        /// The wrapped command's exit code, when it exited.
        public var exitCode: Int32?
        /// The signal that killed the command, when it was killed (e.g. `SIGTERM`).
        public var signal: String?

        /// An end record.
        public init(timestamp: Timestamp, state: EndState, reason: String, exitCode: Int32? = nil,
                    signal: String? = nil) {
            self.timestamp = timestamp
            self.state = state
            self.reason = reason
            self.exitCode = exitCode
            self.signal = signal
        }
    }

    /// The record as one JSON object.
    public var json: JSONValue {
        switch self {
        case let .start(session):
            return .object([("record", .string("start")), ("session", session.exportRow)])
        case let .event(event):
            return .object([("record", .string("event")), ("event", event.json)])
        case let .tags(tags):
            return .object([("record", .string("tags")), ("tags", .array(tags.map { .string($0) }))])
        case let .tagsAdded(tags):
            return .object([("record", .string("tags_added")), ("tags", .array(tags.map { .string($0) }))])
        case let .end(end):
            return .object([
                ("record", .string("end")),
                ("end_timestamp", .string(end.timestamp.description)),
                ("end_state", .string(end.state.rawValue)),
                ("end_state_reason", .string(end.reason)),
                ("exit_code", end.exitCode.map { .int($0) } ?? .null),
                ("signal", .optionalString(end.signal)),
            ])
        case let .declaredEnd(declared):
            return .object([
                ("record", .string("declared_end")),
                ("timestamp", .string(declared.timestamp.description)),
                ("end_state", .string(declared.state.rawValue)),
                ("end_state_reason", .optionalString(declared.reason)),
            ])
        }
    }

    /// Appends the record to `bytes` as one line of the file, newline included.
    ///
    /// An event, nearly every line of a log, is written straight into `bytes`, with the
    /// same text as `json` would give.
    public func writeLine(into bytes: inout [UInt8]) {
        if case let .event(event) = self {
            JSONWriter.raw("{\"record\":\"event\",\"event\":", into: &bytes)
            event.writeJSON(into: &bytes)
            JSONWriter.raw("}\n", into: &bytes)
            return
        }
        JSONWriter.writeCompact(json, into: &bytes)
        bytes.append(0x0A)
    }

    /// Why a line is not a valid record.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads a record back from one line (without its newline).
    ///
    /// - Throws: `StoreRecord.Invalid` naming what is wrong.
    public init(line: some Collection<UInt8>) throws {
        let json: JSONValue
        do {
            json = try JSONParser.parse(line)
        } catch {
            throw Invalid(description: "not valid JSON (\(error))")
        }
        switch json["record"]?.stringValue {
        case "start":
            guard let row = json["session"], let session = Session(exportRow: row) else {
                throw Invalid(description: "start record without a valid session")
            }
            self = .start(session)
        case "event":
            guard let object = json["event"], let event = Event(json: object) else {
                throw Invalid(description: "event record without a valid event")
            }
            self = .event(event)
        case "tags":
            guard let tags = json["tags"]?.arrayValue?.compactMap(\.stringValue) else {
                throw Invalid(description: "tags record without tags")
            }
            self = .tags(tags)
        case "tags_added":
            guard let tags = json["tags"]?.arrayValue?.compactMap(\.stringValue) else {
                throw Invalid(description: "tags_added record without tags")
            }
            self = .tagsAdded(tags)
        case "end":
            guard let time = json["end_timestamp"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
                  let state = json["end_state"]?.stringValue.flatMap(EndState.init(rawValue:)) else {
                throw Invalid(description: "end record without a valid end_timestamp and end_state")
            }
            self = .end(EndRecord(timestamp: time, state: state, reason: json["end_state_reason"]?.stringValue ?? "",
                                  exitCode: json["exit_code"]?.intValue.flatMap { Int32(exactly: $0) },
                                  signal: json["signal"]?.stringValue))
        case "declared_end":
            guard let time = json["timestamp"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
                  let state = json["end_state"]?.stringValue.flatMap(EndState.init(rawValue:)) else {
                throw Invalid(description: "declared_end record without a valid timestamp and end_state")
            }
            self = .declaredEnd(DeclaredEnd(timestamp: time, state: state,
                                            reason: json["end_state_reason"]?.stringValue))
        default:
            throw Invalid(description: "unknown record kind")
        }
    }
}

