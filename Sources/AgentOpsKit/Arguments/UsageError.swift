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
            return "unknown option '\(option)' (see --help)"
        case let .missingValue(option):
            return "option '\(option)' needs a value"
        case let .invalidValue(option, value, expected):
            return "invalid value '\(value)' for \(option): expected \(expected)"
        case let .invalidSessionID(source, value):
            return "\(source) '\(value)' is not a session id (expected a UUID such as "
                + "123e4567-e89b-42d3-a456-426614174000)"
        case let .conflictingOptions(a, b):
            return "\(a) and \(b) cannot be used together"
        case let .unexpectedArgument(argument):
            return "unexpected argument '\(argument)' (see --help)"
        case let .malformedKey(variable):
            return "\(variable) is not a UUID"
        case let .unknownSubcommand(name):
            return "unknown command '\(name)' (see 'agentops --help')"
        }
    }
}
