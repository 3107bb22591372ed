
/// `agentops sessions`: the stored sessions as a table (or JSON), newest first, filtered.
enum SessionsCommand {
    static func run(_ arguments: [String], store: LocalStore, prices: PriceTable,
                                console: Console) throws -> Int32 {
        var limit = 20
        var json = false
        var tags: [String] = []
        var state: EndState?
        var since: Timestamp?
        var cursor = ArgumentCursor(arguments)
        while !cursor.isAtEnd {
            if let value = try cursor.value(for: "--limit", short: "-n") {
                guard let number = Int(value), number >= 0 else {
                    throw UsageError.invalidValue(option: "--limit", value: value, expected: "a number ≥ 0 (0: all)")
                }
                limit = number
            } else if let value = try cursor.value(for: "--tag", short: "-t") {
                tags.append(value)
            } else if let value = try cursor.value(for: "--state") {
                guard let parsed = EndState.allCases.first(where: { $0.rawValue.lowercased() == value.lowercased() })
                else {
                    throw UsageError.invalidValue(option: "--state", value: value,
                                                  expected: "Success, Fail or Indeterminate")
                }
                state = parsed
            } else if let value = try cursor.value(for: "--since") {
                guard let parsed = sinceTimestamp(value) else {
                    throw UsageError.invalidValue(option: "--since", value: value,
                                                  expected: "a duration ago (2h, 7d, at most "
                                                    + "\(DurationParser.maximumText)) or a date (2026-11-21, ISO 8601)")
                }
                since = parsed
            } else if cursor.flag("--json") {
                json = true
            } else if cursor.flag("-h", "--help") {
                print(AgentOpsCommand.helpText)
                return AgentOpsCommand.Status.ok
            } else {
                throw cursor.current.hasPrefix("-") ? UsageError.unknownOption(cursor.current)
                    : UsageError.unexpectedArgument(cursor.current)
            }
        }
        let wantedTags = Tags.normalized(tags)
        var summaries = try store.summaries().filter { summary in
            wantedTags.allSatisfy(summary.session.tags.contains)
                && (state == nil || summary.session.endState == state)
                && (since == nil || summary.session.initTimestamp >= since!)
        }
        if limit > 0 { summaries = Array(summaries.prefix(limit)) }
        for summary in summaries {
            for problem in summary.problems { console.warning("\(problem)") }
        }
        let now = Timestamp.now()
        var uploaded: [SessionID: Bool] = [:]
        for summary in summaries where SyncState.exists(summary.session.id, store: store) {
            uploaded[summary.session.id] = SyncState.isUploaded(summary.session.id, store: store, summary: summary)
        }
        if json {
            print(JSONWriter.pretty(.array(summaries.map {
                SessionsTable.json($0, prices: prices, uploaded: uploaded[$0.session.id], now: now)
            })))
        } else if summaries.isEmpty {
            console.error(tags.isEmpty && state == nil && since == nil
                ? "no sessions in \(store.home) yet (record one with 'agentops-run -- COMMAND')"
                : "no session matches")
        } else {
            print(SessionsTable.text(summaries, prices: prices, uploaded: uploaded, now: now))
        }
        return AgentOpsCommand.Status.ok
    }


    /// `--since`: a duration ago (`2h`, `7d`), a date (`2026-11-21`, UTC midnight) or an
    /// ISO 8601 timestamp.
    static func sinceTimestamp(_ text: String, now: Timestamp = .now()) -> Timestamp? {
        if let seconds = DurationParser.seconds(text) {
            // At most 100 years (DurationParser): the product fits, the move is held.
            return now.adding(microseconds: -Int64(seconds * 1_000_000))
        }
        if let exact = Timestamp(iso8601: text) { return exact }
        return Timestamp(iso8601: text + "T00:00:00+00:00")
    }
}
