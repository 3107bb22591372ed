
/// `agentops export ID`: the session and its events, in the shape of
/// `GET /v2/sessions/ID/export` (or one JSON line per event).
enum ExportCommand {
    static let usage = """
    usage: agentops export ID [--format json|jsonl] [--remote]

    The session and its events as JSON, in the shape of GET /v2/sessions/ID/export:
    {"session", "actions", "llms", "tools", "errors"}, each table in time order.

          --format json|jsonl  one document (default), or JSON Lines for big sessions:
                               the session, then one line per event as recorded
          --remote             the AgentOps API's own answer (AGENTOPS_API_KEY)
      -h, --help               show this help
    """

    static func run(_ arguments: [String], store: LocalStore, prices: PriceTable,
                                console: Console) throws -> Int32 {
        var format = "json"
        let found = try SessionArgument.path(arguments, store: store) { cursor in
            guard let value = try cursor.value(for: "--format") else { return false }
            guard ["json", "jsonl"].contains(value) else {
                throw UsageError.invalidValue(option: "--format", value: value, expected: "json or jsonl")
            }
            format = value
            return true
        }
        guard let path = found else {
            print(usage)
            return AgentOpsCommand.Status.ok
        }
        if format == "jsonl" {
            let problems = try SessionExport.streamLines(path: path, prices: prices) { line in Descriptors.writeAll(line + [0x0A], to: 1) }
            for problem in problems { console.warning("\(problem)") }
            return AgentOpsCommand.Status.ok
        }
        let (document, problems) = try SessionExport.document(path: path, prices: prices)
        for problem in problems { console.warning("\(problem)") }
        print(JSONWriter.pretty(document))
        return AgentOpsCommand.Status.ok
    }
}
