/// `agentops stats ID`: the session's stats, in the shape of `GET /v2/sessions/ID/stats`.
enum StatsCommand {
    static func run(_ arguments: [String], store: LocalStore, prices: PriceTable,
                                console: Console) throws -> Int32 {
        guard let path = try SessionArgument.path(arguments, store: store) else {
            print(AgentOpsCommand.helpText)
            return AgentOpsCommand.Status.ok
        }
        let summary = try SessionLog.summary(path: path)
        for problem in summary.problems { console.warning("\(problem)") }
        print(JSONWriter.pretty(SessionExport.stats(summary, prices: prices)))
        return AgentOpsCommand.Status.ok
    }
}
