
/// `agentops export ID`: the session and its events, in the shape of
/// `GET /v2/sessions/ID/export` (or one JSON line per event), or as an OpenTelemetry
/// trace (`--format otlp|otlp-json`, `OTLPTraceMapping`).
enum ExportCommand {
    static let usage = """
    usage: agentops export ID [--format json|jsonl|otlp|otlp-json] [--remote]

    The session and its events as JSON, in the shape of GET /v2/sessions/ID/export:
    {"session", "actions", "llms", "tools", "errors"}, each table in time order.

          --format FORMAT      json: one document (default); jsonl: JSON Lines for big
                               sessions, the session then one line per event as
                               recorded; otlp: the session as one OpenTelemetry trace
                               (a protobuf ExportTraceServiceRequest); otlp-json:
                               OTLP/JSON requests, one per line
          --remote             the AgentOps API's own answer (AGENTOPS_API_KEY)
      -h, --help               show this help
    """

    static func run(_ arguments: [String], store: LocalStore, prices: PriceTable,
                    console: Console, environment: [String: String] = [:]) throws -> Int32 {
        var format = "json"
        let found = try SessionArgument.path(arguments, store: store) { cursor in
            guard let value = try cursor.value(for: "--format") else { return false }
            guard ["json", "jsonl", "otlp", "otlp-json"].contains(value) else {
                throw UsageError.invalidValue(option: "--format", value: value,
                                              expected: "json, jsonl, otlp or otlp-json")
            }
            format = value
            return true
        }
        guard let path = found else {
            print(usage)
            return AgentOpsCommand.Status.ok
        }
        if format.hasPrefix("otlp") {
            // Batch by batch, so memory stays bounded. Protobuf messages concatenated are
            // one message (repeated fields append), so `otlp` is a single
            // ExportTraceServiceRequest; `otlp-json` is one request per line, as the
            // collector's otlpjsonfile receiver reads.
            // A session whose recorder is gone gets the end `agentops sync` gives it, so
            // the file and the backend show the same trace (`AbandonedSession`).
            let mapping = OTLPTraceMapping(environment: environment, prices: prices)
            // A session of any size: its memory is mostly code (as `agentops sync`'s).
            ThisProcess.mapCodeOnDemand()
            let closing: AbandonedSession.Closing = { summary in
                AbandonedSession.closing(summary, path: path, activity: SessionActivity())
            }
            let outcome = try mapping.export(path: path, closing: closing) { _, request in
                if format == "otlp" {
                    request.withProtobuf { _ = Descriptors.writeAll($0, to: 1) }
                } else {
                    Descriptors.writeAll(request.json + [0x0A], to: 1)
                }
            }
            for problem in outcome.problems { console.warning("\(problem)") }
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
