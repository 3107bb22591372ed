import Glibc

/// `agentops show ID`: the session and its events, for people.
enum ShowCommand {
    static func run(_ arguments: [String], store: LocalStore, prices: PriceTable,
                                console: Console) throws -> Int32 {
        guard let path = try SessionArgument.path(arguments, store: store) else {
            print(AgentOpsCommand.helpText)
            return AgentOpsCommand.Status.ok
        }
        let summary = try SessionLog.summary(path: path)
        let (document, problems) = try SessionExport.document(path: path, prices: prices)
        for problem in problems { console.warning("\(problem)") }
        let colour = isatty(1) == 1 && console.colour
        print(SessionView.render(document, summary: summary, prices: prices, colour: colour))
        return AgentOpsCommand.Status.ok
    }
}
