/// What `agentops` knows about where its standard output goes: whether to colour it
/// and how wide the terminal is.
public struct TerminalOutput: Sendable {
    /// Whether colour escapes are used.
    public var colour: Bool
    /// The width to fit tables into; nil when output is not a terminal and `COLUMNS`
    /// is not set (nothing is cut then).
    public var width: Int?
    /// Whether stdout is a terminal.
    public var isTerminal: Bool

    /// The decision for descriptor `fd` (stdout) and `environment`.
    ///
    /// Colour is off when `NO_COLOR` is set and not empty; otherwise on when
    /// `FORCE_COLOR` or `CLICOLOR_FORCE` is set to anything but `0` (even into a pipe),
    /// else on a terminal whose `TERM` is not `dumb`. The width is `COLUMNS` when it is
    /// a number, else the terminal's (`TIOCGWINSZ`).
    public init(fd: Int32 = 1, environment: [String: String]) {
        isTerminal = Descriptors.isTerminal(fd)
        colour = Self.colour(isTerminal: isTerminal, environment: environment)
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 {
            width = columns
        } else if isTerminal {
            width = WindowSize.of(fd).flatMap { $0.columns > 0 ? Int($0.columns) : nil }
        } else {
            width = nil
        }
    }

    /// The colour rule alone (see `init`).
    public static func colour(isTerminal: Bool, environment: [String: String]) -> Bool {
        if let none = environment["NO_COLOR"], !none.isEmpty { return false }
        for name in ["FORCE_COLOR", "CLICOLOR_FORCE"] {
            if let value = environment[name], !value.isEmpty, value != "0" { return true }
        }
        return isTerminal && environment["TERM"] != "dumb"
    }

    /// `text` in SGR colour `code` when colour is on.
    public func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// The SGR colour of a state as a table shows it (`Running` included).
    public static func code(forState state: String) -> String {
        switch state {
        case EndState.success.rawValue: return "32"
        case EndState.fail.rawValue: return "31"
        case SessionActivity.running: return "36"
        default: return "33"
        }
    }
}
