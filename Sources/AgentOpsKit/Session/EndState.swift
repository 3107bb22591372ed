/// How a session ended, with exactly the strings the SDK and the server accept.
///
/// Ordered by severity so that a declared state and the exit's state combine with
/// `max`: Fail outranks Indeterminate, which outranks Success.
public enum EndState: String, Sendable, CaseIterable, Comparable {
    case success = "Success"
    case indeterminate = "Indeterminate"
    case fail = "Fail"

    private var severity: Int {
        switch self {
        case .success: return 0
        case .indeterminate: return 1
        case .fail: return 2
        }
    }

    public static func < (lhs: EndState, rhs: EndState) -> Bool { lhs.severity < rhs.severity }
}
