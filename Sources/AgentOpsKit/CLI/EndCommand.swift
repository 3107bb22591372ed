import Foundation

/// `agentops end STATE`: the command declares how its session ended.
extension SessionCommands {
    static let endUsage = """
    usage: agentops end STATE [--reason TEXT] [--session-id ID]

    Declare the session's end state, Success, Fail or Indeterminate, as the SDK's
    end_session does; when the command ends, the session ends with the worse of this
    and the state its exit gives. Prints the session's cost so far in USD (as
    end_session returns it), priced as 'agentops stats' prices it.

          --reason TEXT    why (kept in the session's end_state_reason)
          --session-id ID  the session, instead of $AGENTOPS_SESSION_ID
      -h, --help           show this help
    """

    /// `agentops end STATE [--reason TEXT]`.
    ///
    /// - Parameter prices: the price table, read only once the declaration is written
    ///   (a broken price file must not stop a recording call).
    static func end(_ arguments: [String], store: LocalStore, environment: [String: String],
                    prices: () throws -> PriceTable, console: Console) throws -> Int32 {
        let spec = Spec(command: "end", options: ["--reason"], required: [])
        let (values, rest) = try parse(arguments, spec: spec)
        guard let stateText = rest.first else { throw Failure.missing("the end state (Success, Fail or Indeterminate)") }
        if rest.count > 1 { throw Failure.unexpectedArgument(rest[1], command: "end") }
        guard let state = EndState.allCases.first(where: { $0.rawValue.lowercased() == stateText.lowercased() }) else {
            throw Failure.invalid(option: "end", value: stateText, expected: "Success, Fail or Indeterminate")
        }
        let (_, file) = try openSession(values["--session-id"], store: store, environment: environment)
        try file.append(.declaredEnd(.init(timestamp: .now(), state: state, reason: values["--reason"])))
        let table: PriceTable
        do {
            table = try prices()
        } catch {
            console.warning("\(error); the cost is priced with the bundled table")
            table = PriceTable()
        }
        if let summary = try? SessionLog.summary(path: file.file.path) {
            let cost = summary.cost(table)
            print(cost == 0 ? "0.00" : Cost.exactText(cost))
        }
        return 0
    }
}
