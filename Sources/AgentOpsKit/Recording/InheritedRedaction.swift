/// The `--redact` patterns a run hands its command, in `AGENTOPS_RUN_REDACT`, so that what
/// the command records itself (`agentops event`, `agentops tags add`, `agentops end
/// --reason`, a nested run) is redacted as the run's own output is: those were recorded
/// with the environment's secrets hidden but not the patterns' matches (hostile pass,
/// round 13).
///
/// A JSON array of strings: a pattern may hold any character.
public enum InheritedRedaction {
    /// The variable.
    public static let variable = "AGENTOPS_RUN_REDACT"

    /// The patterns `environment` hands down; none without the variable.
    ///
    /// - Throws: `UsageError.invalidValue` when it is not a JSON array of strings: its
    ///   patterns are unknown, and recording without them could keep a secret. (One
    ///   that does not compile, `Redactor` names as this variable's.)
    public static func patterns(_ environment: [String: String]) throws(UsageError) -> [String] {
        guard let text = environment[variable], !text.isEmpty else { return [] }
        guard let items = (try? JSONParser.parse(text))?.arrayValue,
              case let patterns = items.compactMap(\.stringValue), patterns.count == items.count else {
            throw .invalidValue(option: variable, value: text, expected: "a JSON array of the --redact patterns")
        }
        return patterns
    }

    /// The variable's value for `patterns`; nil for none.
    public static func value(_ patterns: [String]) -> String? {
        guard !patterns.isEmpty else { return nil }
        return String(decoding: JSONWriter.compact(.array(patterns.map(JSONValue.string))), as: UTF8.self)
    }
}
