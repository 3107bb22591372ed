/// The process environment as a dictionary.
public enum ProcessEnvironment {
    /// This process's environment (`ThisProcess.environment`).
    public static var current: [String: String] { ThisProcess.environment }

    /// Checks `AGENTOPS_PARENT_KEY`, which both executables pass on to the API: unset,
    /// empty or a UUID.
    ///
    /// - Throws: `UsageError.malformedKey` (which never shows the key).
    public static func checkParentKey(_ environment: [String: String]) throws(UsageError) {
        if let parent = environment["AGENTOPS_PARENT_KEY"], !parent.isEmpty, SessionID(parent) == nil {
            throw .malformedKey(variable: "AGENTOPS_PARENT_KEY")
        }
    }
}
