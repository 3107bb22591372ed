/// A mistake in how agentops-run or agentops was called: reported with a hint, no
/// command started, nothing recorded.
public enum UsageError: Error, CustomStringConvertible, Equatable {
    case missingCommand
    case unknownOption(String)
    case missingValue(option: String)
    case invalidValue(option: String, value: String, expected: String)
    case invalidSessionID(source: String, value: String)
    case conflictingOptions(String, String)
    case unexpectedArgument(String)
    case unknownSubcommand(String)
    /// A key variable that is not a UUID (its value is never shown).
    case malformedKey(variable: String)

    public var description: String {
        switch self {
        case .missingCommand:
            return "no command given (usage: agentops-run [options] [--] COMMAND [ARG...])"
        case let .unknownOption(option):
            return "unknown option '\(shown(option))' (see --help)"
        case let .missingValue(option):
            return "option '\(option)' needs a value"
        case let .invalidValue(option, value, expected):
            return "invalid value '\(shown(value))' for \(option): expected \(expected)"
        case let .invalidSessionID(source, value):
            return "\(source) '\(shown(value))' is not a session id (expected a UUID such as "
                + "123e4567-e89b-42d3-a456-426614174000)"
        case let .conflictingOptions(a, b):
            return "\(a) and \(b) cannot be used together"
        case let .unexpectedArgument(argument):
            return "unexpected argument '\(shown(argument))' (see --help)"
        case let .malformedKey(variable):
            return "\(variable) is not a UUID"
        case let .unknownSubcommand(name):
            return "unknown command '\(shown(name))' (see 'agentops --help')"
        }
    }

    /// What the user gave, as text: bytes that are not UTF-8 as U+FFFD, not as the
    /// escapes agentops-run keeps them in (`SystemString`: `\xff` was shown as U+10FFFF,
    /// second hostile pass, round 10).
    private func shown(_ given: String) -> String { SystemString.displayed(given) }
}
