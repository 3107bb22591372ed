import Foundation

/// `agentops sessions`: the stored sessions as a table (or JSON), newest first, filtered.
enum SessionsCommand {
    static let usage = """
    usage: agentops sessions [-n N] [-t TAG]... [--state STATE] [--since WHEN] [--utc] [--json]

    List the stored sessions, newest first: id, start (local time), duration, state,
    cost, counts of LLM calls, tool calls, actions and errors, tags and command.

      -n, --limit N      at most N sessions (default 20; 0: all)
      -t, --tag TAG      only sessions with TAG (repeatable: all of them)
          --state STATE  only sessions in STATE: Success, Fail, Indeterminate, or
                         Running (not ended, and its command alive or its log
                         written in the last minute)
          --since WHEN   only sessions started since WHEN: a duration ago (2h, 7d,
                         1m 30s) or a date (2026-11-21, UTC) or an ISO 8601 time
          --utc          start times in UTC (default: local time, TZ)
          --json         a JSON array for scripts (the stored state; no Running)
      -h, --help         show this help

    The table fits the terminal (COLUMNS), colours the state (NO_COLOR: none;
    FORCE_COLOR or CLICOLOR_FORCE: also into a pipe), and ends with how many of the
    matching sessions it shows and their total cost and failures.
    """

    static func run(_ arguments: [String], store: LocalStore, prices: PriceTable,
                    console: Console, environment: [String: String]) throws -> Int32 {
        var limit = 20
        var json = false
        var utc = false
        var tags: [String] = []
        var state: String?
        var since: Timestamp?
        var cursor = ArgumentCursor(arguments)
        while !cursor.isAtEnd {
            cursor.splitCluster(flags: "h", valued: "nt")
            if let value = try cursor.value(for: "--limit", short: "-n") {
                guard let number = Int(value), number >= 0 else {
                    throw UsageError.invalidValue(option: "--limit", value: value, expected: "a number ≥ 0 (0: all)")
                }
                limit = number
            } else if let value = try cursor.value(for: "--tag", short: "-t") {
                tags.append(value)
            } else if let value = try cursor.value(for: "--state") {
                let states = EndState.allCases.map(\.rawValue) + [SessionActivity.running]
                guard let parsed = states.first(where: { $0.lowercased() == value.lowercased() }) else {
                    throw UsageError.invalidValue(option: "--state", value: value,
                                                  expected: "Success, Fail, Indeterminate or Running")
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
            } else if cursor.flag("--utc") {
                utc = true
            } else if cursor.flag("-h", "--help") {
                print(usage)
                return AgentOpsCommand.Status.ok
            } else {
                throw cursor.notTaken
            }
        }
        let wantedTags = Tags.normalized(tags)
        // Filtered, sorted and totalled on packed rows; only the sessions shown are
        // made rows and read whole.
        let listing = try store.listing(warningOn: console)
        let all = 0..<listing.count
        let activity = SessionActivity(scanProcesses: all.contains { !listing.isEnded(at: $0) })
        var openStates: [Int: String] = [:]
        for index in all where !listing.isEnded(at: index) {
            openStates[index] = activity.state(listing.row(at: index), path: store.path(of: listing.id(at: index)))
        }
        let matching = all.filter { index in
            (since == nil || listing.start(at: index) >= since!)
                && (state == nil || (openStates[index] ?? listing.endState(at: index).rawValue) == state)
                && (wantedTags.isEmpty || wantedTags.allSatisfy(listing.tags(at: index).contains))
        }
        var shownStates: [SessionID: String] = [:]
        for (index, shown) in openStates { shownStates[listing.id(at: index)] = shown }
        let summaries = (limit > 0 ? matching.prefix(limit) : matching[...]).compactMap { listing.summary(at: $0) }
        for summary in summaries {
            for problem in summary.problems { console.warning("\(problem)") }
        }
        let now = Timestamp.now()
        var uploaded: [SessionID: Bool] = [:]
        let transport = (try? AgentOpsTransport(environment: environment)) ?? .v2
        for summary in summaries {
            uploaded[summary.session.id] = transport.isUploaded(summary.session.id, store: store, summary: summary)
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
            let terminal = TerminalOutput(environment: environment)
            let layout = SessionsTable.Layout(utc: utc, width: terminal.width, colour: terminal.colour)
            print(SessionsTable.text(summaries, prices: prices, uploaded: uploaded, states: shownStates,
                                     layout: layout, now: now))
            let totals = listing.totals(of: matching, prices: prices)
            print(SessionsTable.footer(shown: summaries.count, matching: matching.count, cost: totals.cost,
                                       failed: totals.failed))
        }
        for note in listing.notes { console.warning(note) }
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
