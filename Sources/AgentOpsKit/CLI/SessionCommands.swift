import Foundation

/// What `agentops event …`, `agentops tags …` and `agentops end …` share (each in a file
/// of its own): they record LLM calls, tool
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
    struct Spec {
        var command: String
        var options: [String]
        var required: [String]
    }

    /// Splits `arguments` into option values (`--session-id` is always allowed) and
    /// the remaining positional arguments.
    static func parse(_ arguments: [String], spec: Spec) throws -> ([String: String], [String]) {
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
    static func openSession(_ given: String?, store: LocalStore,
                                    environment: [String: String]) throws -> (SessionID, RedactingFile) {
        guard let text = given ?? environment["AGENTOPS_SESSION_ID"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw Failure.notInSession
        }
        guard let id = SessionID(text) else { throw Failure.invalidSessionID(text) }
        guard store.exists(id) else { throw Failure.unknownSession(id.value, home: store.home) }
        // A file that holds another session: appended to, its events went to that one
        // (third hostile pass, round 13).
        if let problem = store.holdsAnotherSession(id) { throw problem }
        // The run's --redact patterns too (`InheritedRedaction`).
        let redactor = try Redactor(environment: environment, inherited: InheritedRedaction.patterns(environment))
        return (id, RedactingFile(file: try store.open(id), redactor: redactor))
    }

    /// A session log that redacts secrets of this environment and the run's `--redact`
    /// patterns from what it appends, as the wrapper's recorder does.
    struct RedactingFile {
        let file: SessionLog
        let redactor: Redactor

        func append(_ record: StoreRecord) throws { try file.append(redactor.redact(record)) }
    }

    /// A token count, within `LLMNumbers`' limit (the listener checks the same way).
    static func count(_ text: String, option: String) throws -> Int {
        do {
            return try LLMNumbers.tokens(text, field: option)
        } catch {
            throw Failure.invalid(option: option, value: text, expected: error.expected)
        }
    }

    /// A cost in USD as exact decimal text, within `LLMNumbers`' limits.
    static func money(_ text: String) throws -> String {
        do {
            return try LLMNumbers.cost(text, field: "--cost")
        } catch {
            throw Failure.invalid(option: "--cost", value: text, expected: error.expected)
        }
    }

    /// A JSON document given on the command line (nil → null), no deeper than a
    /// reader accepts once it is stored inside its event record.
    static func json(_ text: String?, option: String) throws -> JSONValue {
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
