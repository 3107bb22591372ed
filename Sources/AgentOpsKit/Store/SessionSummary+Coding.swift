import Foundation

/// A summary as one JSON object and back, losslessly, for the session index
/// (`SessionIndex`): a summary read back equals the one written.
///
/// Unlike the log's own records this keeps what a fold made of them exactly:
/// timestamps as microseconds (any `Int64`, not only what ISO 8601 text can hold), tags
/// as the fold left them (a `tags` record is not normalised), sums as integers, costs
/// as exact decimal strings (never through `Double`). A problem's file is not kept: it
/// is the log the summary was read from, given back when decoding, so a store that
/// moved still names its own files.
extension SessionSummary {
    /// The summary as a JSON object.
    public var indexJSON: JSONValue {
        .object([
            ("session", Self.encode(session)),
            ("counts", .object(counts.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                ($0.key.rawValue, .int($0.value))
            })),
            ("prompt_tokens", .int(promptTokens)),
            ("completion_tokens", .int(completionTokens)),
            ("recorded_cost", .string(recordedCost.description)),
            ("usage", Self.encode(usage)),
            ("model_totals", Self.encode(modelTotals)),
            ("recorded_cost_by_model", .object(recordedCostByModel.sorted { $0.key < $1.key }.map {
                ($0.key, .string($0.value.description))
            })),
            ("end", end.map { end in
                .object([
                    ("timestamp_us", .int(end.timestamp.microseconds)),
                    ("state", .string(end.state.rawValue)),
                    ("reason", .string(end.reason)),
                    ("exit_code", end.exitCode.map { .int($0) } ?? .null),
                    ("signal", .optionalString(end.signal)),
                ])
            } ?? .null),
            ("declared", declared.map { declared in
                .object([
                    ("timestamp_us", .int(declared.timestamp.microseconds)),
                    ("state", .string(declared.state.rawValue)),
                    ("reason", .optionalString(declared.reason)),
                ])
            } ?? .null),
            ("problems", .array(problems.map { .array([.int($0.line), .string($0.reason)]) })),
        ])
    }

    /// Reads a summary back from `indexJSON`; nil when anything is missing or malformed
    /// (an index written by another version, a damaged line), so the caller folds the
    /// log instead.
    ///
    /// - Parameter path: the session log's path, for the problems.
    public init?(indexJSON json: JSONValue, path: String) {
        guard let sessionJSON = json["session"], let session = Self.decodeSession(sessionJSON),
              case let .object(countPairs)? = json["counts"],
              let promptTokens = json["prompt_tokens"]?.intValue,
              let completionTokens = json["completion_tokens"]?.intValue,
              let recordedCost = json["recorded_cost"].flatMap(Self.decodeDecimal),
              let usage = json["usage"].flatMap(Self.decodeUsage),
              let modelTotals = json["model_totals"].flatMap(Self.decodeUsage),
              case let .object(costPairs)? = json["recorded_cost_by_model"],
              let endJSON = json["end"], let declaredJSON = json["declared"],
              let problemItems = json["problems"]?.arrayValue else { return nil }
        self.init(session: session)
        for (key, value) in countPairs {
            guard let type = EventType(rawValue: key), let count = value.intValue else { return nil }
            counts[type] = count
        }
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.recordedCost = recordedCost
        self.usage = usage
        self.modelTotals = modelTotals
        for (model, value) in costPairs {
            guard let cost = Self.decodeDecimal(value) else { return nil }
            recordedCostByModel[model] = cost
        }
        if !endJSON.isNull {
            guard let micros = endJSON["timestamp_us"]?.intValue,
                  let state = endJSON["state"]?.stringValue.flatMap(EndState.init(rawValue:)),
                  let reason = endJSON["reason"]?.stringValue,
                  let exitCode = Self.optional(endJSON["exit_code"], { $0.intValue.flatMap { Int32(exactly: $0) } }),
                  let signal = Self.optional(endJSON["signal"], \.stringValue) else { return nil }
            end = StoreRecord.EndRecord(timestamp: Timestamp(microseconds: Int64(micros)), state: state,
                                        reason: reason, exitCode: exitCode, signal: signal)
        }
        if !declaredJSON.isNull {
            guard let micros = declaredJSON["timestamp_us"]?.intValue,
                  let state = declaredJSON["state"]?.stringValue.flatMap(EndState.init(rawValue:)),
                  let reason = Self.optional(declaredJSON["reason"], \.stringValue) else { return nil }
            declared = StoreRecord.DeclaredEnd(timestamp: Timestamp(microseconds: Int64(micros)), state: state,
                                               reason: reason)
        }
        for item in problemItems {
            guard let pair = item.arrayValue, pair.count == 2, let line = pair[0].intValue,
                  let reason = pair[1].stringValue else { return nil }
            problems.append(SessionLog.Problem(path: path, line: line, reason: reason))
        }
    }

    private static func encode(_ session: Session) -> JSONValue {
        .object([
            ("id", .string(session.id.value)),
            ("project_id", .optionalString(session.projectID)),
            ("init_timestamp_us", .int(session.initTimestamp.microseconds)),
            ("end_timestamp_us", session.endTimestamp.map { .int($0.microseconds) } ?? .null),
            ("end_state", .string(session.endState.rawValue)),
            ("end_state_reason", .optionalString(session.endStateReason)),
            ("tags", .array(session.tags.map { .string($0) })),
            ("video", .optionalString(session.video)),
            ("host_env", session.hostEnv),
            ("command", .array(session.command.map { .string($0) })),
        ])
    }

    private static func decodeSession(_ json: JSONValue) -> Session? {
        guard let id = json["id"]?.stringValue.flatMap(SessionID.init),
              let projectID = optional(json["project_id"], \.stringValue),
              let start = json["init_timestamp_us"]?.intValue,
              let end = optional(json["end_timestamp_us"], \.intValue),
              let endState = json["end_state"]?.stringValue.flatMap(EndState.init(rawValue:)),
              let endStateReason = optional(json["end_state_reason"], \.stringValue),
              let tags = strings(json["tags"]),
              let video = optional(json["video"], \.stringValue),
              let hostEnv = json["host_env"],
              let command = strings(json["command"]) else { return nil }
        var session = Session(id: id, initTimestamp: Timestamp(microseconds: Int64(start)), tags: [],
                              hostEnv: hostEnv, command: command, video: video)
        // Set after `init`, which would normalise them: a `tags` record is kept as written.
        session.tags = tags
        session.projectID = projectID
        session.endTimestamp = end.map { Timestamp(microseconds: Int64($0)) }
        session.endState = endState
        session.endStateReason = endStateReason
        return session
    }

    static func encode(_ usage: [String: LLMUsage]) -> JSONValue {
        .object(usage.sorted { $0.key < $1.key }.map { model, totals in
            (model, .array([.int(totals.calls), .int(totals.promptTokens), .int(totals.completionTokens),
                            .int(totals.cachedTokens)]))
        })
    }

    static func decodeUsage(_ json: JSONValue) -> [String: LLMUsage]? {
        guard case let .object(pairs) = json else { return nil }
        var usage: [String: LLMUsage] = [:]
        for (model, value) in pairs {
            guard let numbers = value.arrayValue?.compactMap(\.intValue), numbers.count == 4 else { return nil }
            var totals = LLMUsage()
            totals.calls = numbers[0]
            totals.promptTokens = numbers[1]
            totals.completionTokens = numbers[2]
            totals.cachedTokens = numbers[3]
            usage[model] = totals
        }
        return usage
    }

    /// `Decimal`'s description is its exact digits, and reads back to the same value.
    static func decodeDecimal(_ json: JSONValue) -> Decimal? {
        guard let text = json.stringValue, let value = Decimal(string: text), !value.isNaN else { return nil }
        return value
    }

    static func strings(_ json: JSONValue?) -> [String]? {
        guard let items = json?.arrayValue else { return nil }
        let strings = items.compactMap(\.stringValue)
        return strings.count == items.count ? strings : nil
    }

    /// `.some(nil)` for JSON null, `.some(value)` for a value `read` accepts, nil (a
    /// malformed entry) for anything else or a missing key.
    private static func optional<T>(_ json: JSONValue?, _ read: (JSONValue) -> T?) -> T?? {
        guard let json else { return nil }
        if json.isNull { return .some(nil) }
        return read(json).map { .some($0) }
    }
}
