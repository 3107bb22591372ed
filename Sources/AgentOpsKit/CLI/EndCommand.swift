/// `agentops end STATE`: the command declares how its session ended.
extension SessionCommands {
    /// `agentops end STATE [--reason TEXT]`.
    static func end(_ arguments: [String], store: LocalStore, environment: [String: String]) throws -> Int32 {
        let spec = Spec(command: "end", options: ["--reason"], required: [])
        let (values, rest) = try parse(arguments, spec: spec)
        guard let stateText = rest.first else { throw Failure.missing("the end state (Success, Fail or Indeterminate)") }
        if rest.count > 1 { throw Failure.unexpectedArgument(rest[1], command: "end") }
        guard let state = EndState.allCases.first(where: { $0.rawValue.lowercased() == stateText.lowercased() }) else {
            throw Failure.invalid(option: "end", value: stateText, expected: "Success, Fail or Indeterminate")
        }
        let (_, file) = try openSession(values["--session-id"], store: store, environment: environment)
        try file.append(.declaredEnd(.init(timestamp: .now(), state: state, reason: values["--reason"])))
        return 0
    }
}
