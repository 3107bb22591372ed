/// `agentops stats ID`: the session's stats, in the shape of `GET /v2/sessions/ID/stats`.
enum StatsCommand {
    static let usage = """
    usage: agentops stats ID [--by-model | --analytics | --remote]

    The session's stats as JSON, in the shape of GET /v2/sessions/ID/stats:
    session_id, cost, events, prompt_tokens, completion_tokens, errors.

          --by-model   also "models": per model, its calls, prompt, completion and
                       cached tokens and cost (null when unpriced)
          --analytics  instead, the SDK's get_analytics(): "LLM calls", "Tool calls",
                       "Actions", "Errors", "Duration" and "Cost" as the SDK formats them
          --remote     the AgentOps API's own answer (AGENTOPS_API_KEY)
      -h, --help       show this help
    """

    static func run(_ arguments: [String], store: LocalStore, prices: PriceTable,
                    console: Console) throws -> Int32 {
        var byModel = false
        var analytics = false
        let found = try SessionArgument.path(arguments, store: store) { cursor in
            if cursor.flag("--by-model") {
                byModel = true
            } else if cursor.flag("--analytics") {
                analytics = true
            } else {
                return false
            }
            return true
        }
        guard let path = found else {
            print(usage)
            return AgentOpsCommand.Status.ok
        }
        if byModel, analytics { throw UsageError.conflictingOptions("--by-model", "--analytics") }
        let summary = try SessionLog.summary(path: path)
        for problem in summary.problems { console.warning("\(problem)") }
        if analytics {
            print(JSONWriter.pretty(SessionExport.analytics(summary, prices: prices)))
        } else {
            print(JSONWriter.pretty(SessionExport.stats(summary, prices: prices, byModel: byModel)))
        }
        return AgentOpsCommand.Status.ok
    }
}
