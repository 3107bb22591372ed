
/// `agentops show ID`: the session and its events, for people. The log is streamed:
/// nothing but the current event (or the `--tail` ones) is held, and on a terminal the
/// first screen reaches the pager while the rest is still being read.
enum ShowCommand {
    static let usage = """
    usage: agentops show ID [--head N | --tail N] [--type TYPE]... [--stream STREAM]...
                            [-f|--follow] [--no-pager] [--utc]

    The session for people: command, state, start, duration, host, cost, event counts
    and LLM calls per model (calls, prompt, completion and cached tokens, cost), then
    its events in the order recorded, with the time since the start, their stream or
    kind, and their text. On a terminal it goes through $PAGER (default less -FRX);
    a pager that cannot be run is done without, one that fails is an error.

          --head N         only the first N events (after filtering)
          --tail N         only the last N events (after filtering)
          --type TYPE      only events of TYPE: llms, tools, actions or errors
                           (repeatable; commas separate several)
          --stream STREAM  only the command's output on STREAM: stdout or stderr
                           (repeatable; with --type, either matches)
      -f, --follow         keep printing new events as they are recorded, until the
                           session ends (as tail -f; no pager)
          --no-pager       write to stdout even on a terminal
          --utc            the start time in UTC (default: local time, TZ)
      -h, --help           show this help

    A log over 2 MiB is not read twice: cost, counts and LLM calls per model then
    follow the events.
    """

    /// A log up to this size is summarised before its events are shown; a bigger one
    /// has its totals after them, so the first screen never waits for the whole file.
    static let summaryFirstLimit = 2 << 20

    struct Options {
        var query: String?
        var head: Int?
        var tail: Int?
        var filter = SessionView.Filter()
        var follow = false
        var pager = true
        var utc = false
    }

    static func parse(_ arguments: [String]) throws -> Options? {
        var options = Options()
        var cursor = ArgumentCursor(arguments)
        func count(_ value: String, _ option: String) throws -> Int {
            guard let number = Int(value), number >= 0 else {
                throw UsageError.invalidValue(option: option, value: value, expected: "a number ≥ 0")
            }
            return number
        }
        while !cursor.isAtEnd {
            cursor.splitCluster(flags: "fh")
            if cursor.flag("-h", "--help") { return nil }
            if let value = try cursor.value(for: "--head") {
                options.head = try count(value, "--head")
            } else if let value = try cursor.value(for: "--tail") {
                options.tail = try count(value, "--tail")
            } else if let value = try cursor.value(for: "--type") {
                for name in value.split(separator: ",").map(String.init) {
                    guard let type = EventType(rawValue: name), type != .apis else {
                        throw UsageError.invalidValue(option: "--type", value: name,
                                                      expected: "llms, tools, actions or errors")
                    }
                    options.filter.types.insert(type)
                }
            } else if let value = try cursor.value(for: "--stream") {
                for name in value.split(separator: ",").map(String.init) {
                    guard name == "stdout" || name == "stderr" else {
                        throw UsageError.invalidValue(option: "--stream", value: name, expected: "stdout or stderr")
                    }
                    options.filter.streams.insert(name)
                }
            } else if cursor.flag("-f", "--follow") {
                options.follow = true
            } else if cursor.flag("--no-pager") {
                options.pager = false
            } else if cursor.flag("--utc") {
                options.utc = true
            } else if cursor.current.hasPrefix("-") {
                throw UsageError.unknownOption(cursor.current)
            } else {
                guard options.query == nil else { throw UsageError.unexpectedArgument(cursor.current) }
                options.query = cursor.current
                cursor.advance()
            }
        }
        if options.head != nil, options.tail != nil { throw UsageError.conflictingOptions("--head", "--tail") }
        return options
    }

    static func run(_ arguments: [String], store: LocalStore, prices: PriceTable,
                    console: Console, environment: [String: String]) throws -> Int32 {
        guard let options = try parse(arguments) else {
            print(usage)
            return AgentOpsCommand.Status.ok
        }
        guard let query = options.query else {
            throw UsageError.missingValue(option: "session id (an id, a unique prefix or 'last')")
        }
        let path = store.path(of: try store.resolve(query))
        let terminal = TerminalOutput(environment: environment)
        let small = Files.status(path).map { $0.size <= Int64(summaryFirstLimit) } ?? false
        // What the header needs without reading the whole log: the start record, and
        // the end record if there is one (near the end of the file).
        var summary = small ? try SessionLog.summary(path: path) : try quickSummary(path: path)
        let activity = SessionActivity(scanProcesses: summary.end == nil)
        var running = activity.isRunning(summary, path: path)
        if !small, summary.end == nil, !running,
           let end = try SessionLog.summary(path: path, events: false).end {
            // No end near the end of the file, and the session is not running (no process
            // of it, its log not written in the last minute): the end may be further back,
            // behind late records (8.6 MB of late events after it showed a session that
            // ended as Running). Looked for in the whole log, events unread; a log still
            // being written is not read whole before the first screen.
            _ = summary.apply(.end(end))
            running = false
        }

        let output: Pager
        let pagerCommand = options.pager && !options.follow && terminal.isTerminal
            ? Pager.command(environment: environment) : nil
        if let pagerCommand, let pager = Pager.start(pagerCommand, environment: environment) {
            output = pager
        } else {
            output = Pager()
        }
        func show() throws {
            for line in SessionView.header(summary, running: running, colour: terminal.colour, utc: options.utc) {
                output.line(line)
            }
            if small {
                for line in SessionView.totals(summary, prices: prices) { output.line(line) }
                for problem in summary.problems { console.warning("\(problem)") }
            }
            output.line("")
            // The first screen goes out at once; after it, large writes.
            output.flush()

            var shown = 0
            var ring: [String] = []
            var ringStart = 0
            var folded: SessionSummary?
            var ended = false
            struct Stop: Error {}
            func visit(_ record: StoreRecord) throws {
                if !small { SessionSummary.fold(record, into: &folded) }
                if case .end = record { ended = true }
                guard case let .event(event) = record, options.filter.keeps(event) else { return }
                if let head = options.head, shown >= head {
                    // Nothing more to show; a big log still needs its totals, a small one not.
                    if small { throw Stop() }
                    return
                }
                let text = SessionView.render(event, sessionStart: summary.session.initTimestamp, prices: prices,
                                              colour: terminal.colour)
                shown += 1
                if let tail = options.tail {
                    guard tail > 0 else { return }
                    if ring.count < tail { ring.append(text) } else {
                        ring[ringStart] = text
                        ringStart = (ringStart + 1) % tail
                    }
                    return
                }
                output.line(text)
                if output.closed { throw Stop() }
            }
            var offset = 0
            var problems: [SessionLog.Problem] = []
            do {
                let read = try SessionLog.read(path: path, from: 0) { record, _ in try visit(record) }
                offset = read.end
                problems = read.problems
            } catch is Stop {}
            for text in ring[ringStart...] + ring[..<ringStart] { output.line(text) }
            if shown == 0 { output.line("(no events)") }

            if options.follow, !ended, !output.closed {
                output.flush()
                offset = try follow(path: path, from: offset, visit: visit, output: output) { ended }
                if let folded { summary = folded }
            } else if let folded {
                summary = folded
            }
            if !small, !output.closed {
                // The totals of a big log, read in the same pass as its events.
                output.line("")
                for line in SessionView.totals(summary, prices: prices) { output.line(line) }
                for problem in problems { console.warning("\(problem)") }
            }
        }
        do {
            try show()
        } catch {
            _ = output.finish()
            throw error
        }
        switch output.finish() {
        case .shown:
            return AgentOpsCommand.Status.ok
        case let .shownWithout(status):
            console.warning("the pager '\(pagerCommand ?? "")' could not be run (exit \(status)): shown without it")
            return AgentOpsCommand.Status.ok
        case let .failed(status):
            console.error("the pager '\(pagerCommand ?? "")' exited with status \(status); --no-pager or PAGER=cat "
                + "shows the session without one")
            return AgentOpsCommand.Status.failure
        case let .killed(signal):
            console.error("the pager '\(pagerCommand ?? "")' was killed by \(SignalNames.name(of: signal)); "
                + "--no-pager or PAGER=cat shows the session without one")
            return AgentOpsCommand.Status.failure
        }
    }

    /// Reads what is appended to the log after `offset`, five times a second, until
    /// `ended` says the end record went by or the reader went away.
    ///
    /// - Returns: the offset reached.
    static func follow(path: String, from start: Int, visit: (StoreRecord) throws -> Void, output: Pager,
                       ended: () -> Bool) throws -> Int {
        var offset = start
        while !ended(), !output.closed {
            Clock.sleep(microseconds: 200_000)
            offset = try SessionLog.read(path: path, from: offset) { record, _ in try visit(record) }.end
            output.flush()
        }
        return offset
    }

    /// The session as its first line starts it, with its end applied when the end
    /// record is in the last 64 KiB of the log (where the owner writes it).
    static func quickSummary(path: String) throws -> SessionSummary {
        var summary: SessionSummary?
        struct Found: Error {}
        do {
            try SessionLog.read(path: path) { record in
                SessionSummary.fold(record, into: &summary)
                throw Found()
            }
        } catch is Found {}
        guard var result = summary else { throw StoreError.noStartRecord(path: path) }
        // The end is the last record but for what came late (a nested run's step, an
        // `agentops event`), which can be a line of up to the log's limit: looked for in
        // the last 64 KiB, then in the last line's worth more (a session still running
        // costs that read). Past that the header says what it found.
        for window in [64 << 10, SessionLog.maxLineBytes + (64 << 10)] {
            guard let (bytes, from) = Files.tail(of: path, limit: window) else { return result }
            // Start after the first newline in the window: a record boundary.
            guard let newline = bytes.firstIndex(of: 0x0A) else { continue }
            var found = false
            _ = try? SessionLog.read(path: path, from: from + newline + 1, events: false) { record, _ in
                if case .end = record {
                    result.apply(record)
                    found = true
                }
            }
            if found || bytes.count < window { break }
        }
        return result
    }
}
