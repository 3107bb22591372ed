import Foundation

/// `agentops report`: a session, or many, as a self-contained HTML page.
public enum ReportCommand {
    /// What `report` was asked for.
    public struct Options: Equatable, Sendable {
        /// The session (`ID`, a prefix or `last`); nil with `--sessions`.
        public var session: String?
        /// `--sessions`: one page over many sessions.
        public var sessions = false
        /// `-o`/`--output`: a file, a folder (an existing one, or a path ending in `/`),
        /// or `-` for standard output; nil for the default file name.
        public var output: String?
        /// `--limit`: at most this many sessions (0: all, the default).
        public var limit = 0
        /// `--tag`s every session must have.
        public var tags: [String] = []
        /// `--state`: only sessions that ended so.
        public var state: EndState?
        /// `--since`: only sessions started since.
        public var since: Timestamp?
        /// `--help`.
        public var help = false
    }

    /// Why a report could not be written.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// The output file or folder could not be written.
        case cannotWrite(path: String, reason: String)

        public var description: String {
            switch self {
            case let .cannotWrite(path, reason):
                return "cannot write the report to \(path): \(reason) (choose another place with -o)"
            }
        }
    }

    /// Parses `report`'s arguments.
    ///
    /// - Throws: `UsageError` for unknown options, a missing id, an id with `--sessions`,
    ///   or filters without `--sessions`.
    public static func parse(_ arguments: [String], now: Timestamp = .now()) throws -> Options {
        var options = Options()
        var filtered: String?
        var cursor = ArgumentCursor(arguments)
        while !cursor.isAtEnd {
            if cursor.flag("-h", "--help") {
                options.help = true
                return options
            } else if cursor.flag("--sessions") {
                options.sessions = true
            } else if let value = try cursor.value(for: "--output", short: "-o") {
                options.output = value
            } else if let value = try cursor.value(for: "--limit", short: "-n") {
                guard let number = Int(value), number >= 0 else {
                    throw UsageError.invalidValue(option: "--limit", value: value, expected: "a number ≥ 0 (0: all)")
                }
                options.limit = number
                filtered = "--limit"
            } else if let value = try cursor.value(for: "--tag", short: "-t") {
                options.tags.append(value)
                filtered = "--tag"
            } else if let value = try cursor.value(for: "--state") {
                guard let state = EndState.allCases.first(where: { $0.rawValue.lowercased() == value.lowercased() })
                else {
                    throw UsageError.invalidValue(option: "--state", value: value,
                                                  expected: "Success, Fail or Indeterminate")
                }
                options.state = state
                filtered = "--state"
            } else if let value = try cursor.value(for: "--since") {
                guard let since = SessionsCommand.sinceTimestamp(value, now: now) else {
                    throw UsageError.invalidValue(option: "--since", value: value,
                                                  expected: "a duration ago (2h, 7d) or a date (2026-11-21, ISO 8601)")
                }
                options.since = since
                filtered = "--since"
            } else if cursor.current.hasPrefix("-"), cursor.current != "-" {
                throw UsageError.unknownOption(cursor.current)
            } else {
                guard options.session == nil else { throw UsageError.unexpectedArgument(cursor.current) }
                options.session = cursor.current
                cursor.advance()
            }
        }
        if options.sessions, let session = options.session {
            throw UsageError.conflictingOptions("--sessions", "a session id ('\(session)')")
        }
        if !options.sessions, let filtered { throw UsageError.conflictingOptions(filtered, "a session id") }
        if !options.sessions, options.session == nil {
            throw UsageError.missingValue(option: "session id (an id, a unique prefix or 'last') or --sessions")
        }
        return options
    }

    /// `agentops report --help`.
    static let usage = """
    usage: agentops report ID [-o|--output FILE|DIR/|-]
           agentops report --sessions [-o FILE|DIR/|-] [-n N] [-t T] [--state S] [--since WHEN]

    One self-contained HTML page (inline style, script and SVG; nothing fetched):
    the session's header, timeline, steps, models, LLM calls and output; or, with
    --sessions, one page over the sessions with cost per day and failure rate.

      -o, --output FILE|DIR/|-  where to write (default agentops-report-ID.html, or
                                agentops-report-sessions.html); DIR/: into DIR (with
                                --sessions also every listed session's page and
                                DIR/index.html); -: standard output
          --sessions            the page over many sessions, filtered as 'sessions'
      -n, --limit N             at most N sessions (default all)
      -t, --tag T               sessions with tag T
          --state S             sessions that ended in state S
          --since WHEN          sessions started since WHEN (2h, 7d, 2026-11-21)
      -h, --help                show this help
    """

    /// Runs `agentops report` with `arguments`.
    ///
    /// - Returns: the exit status.
    /// - Throws: `UsageError`, `StoreError` (unknown session), `Failure` (cannot write).
    public static func run(_ arguments: [String], store: LocalStore, prices: PriceTable,
                           console: Console) throws -> Int32 {
        let options = try parse(arguments)
        if options.help {
            print(usage)
            return AgentOpsCommand.Status.ok
        }
        if options.sessions { return try sessionsPage(options, store: store, prices: prices, console: console) }
        let id = try store.resolve(options.session!)
        let destination: String?
        switch options.output {
        case "-": destination = nil
        case let output? where isFolder(output):
            try makeFolder(output)
            destination = joined(output, SessionsReportPage.fileName(of: id))
        case let output?: destination = output
        case nil: destination = SessionsReportPage.fileName(of: id)
        }
        try writeSessionReport(path: store.path(of: id), to: destination, prices: prices, console: console)
        return AgentOpsCommand.Status.ok
    }

    /// Reads one session and writes its page to `destination` (nil: standard output).
    private static func writeSessionReport(path: String, to destination: String?, prices: PriceTable,
                                           console: Console) throws {
        let report = try SessionReport.load(path: path, prices: prices)
        for problem in report.summary.problems { console.warning("\(problem)") }
        try write(SessionReportPage.render(report, prices: prices), to: destination, console: console)
    }

    private static func sessionsPage(_ options: Options, store: LocalStore, prices: PriceTable,
                                     console: Console) throws -> Int32 {
        let wantedTags = Tags.normalized(options.tags)
        let listing = try store.listing(warningOn: console)
        for note in listing.notes { console.warning(note) }
        var summaries = listing.summaries().filter { summary in
            wantedTags.allSatisfy(summary.session.tags.contains)
                && (options.state == nil || summary.session.endState == options.state)
                && (options.since == nil || summary.session.initTimestamp >= options.since!)
        }
        if options.limit > 0 { summaries = Array(summaries.prefix(options.limit)) }
        var filters: [String] = []
        if !wantedTags.isEmpty { filters.append("tagged \(wantedTags.joined(separator: ", "))") }
        if let state = options.state { filters.append("ended \(state.rawValue)") }
        if let since = options.since { filters.append("started since \(LocalTime.format(since))") }
        if options.limit > 0 { filters.append("the newest \(options.limit) at most") }
        let described = "Sessions in \(store.home)" + (filters.isEmpty ? "" : ", " + filters.joined(separator: "; "))
            + ", newest first."
        func page() -> [UInt8] { SessionsReportPage.render(summaries, prices: prices, filters: described) }
        switch options.output {
        case "-":
            try write(page(), to: nil, console: console)
        case let output? where isFolder(output):
            // A folder: the index and every listed session's report, so the links work.
            // A session that can no longer be read (removed or cut short since it was
            // listed: a `prune` meanwhile) is left out of both, with a warning; it
            // stopped the whole report, with no index (hostile pass, round 12).
            try makeFolder(output)
            var unreadable = Set<SessionID>()
            for summary in summaries {
                do {
                    try writeSessionReport(path: store.path(of: summary.session.id),
                                           to: joined(output, SessionsReportPage.fileName(of: summary.session.id)),
                                           prices: prices, console: console)
                } catch let error as StoreError {
                    console.warning("\(error); its page is left out")
                    unreadable.insert(summary.session.id)
                }
            }
            summaries.removeAll { unreadable.contains($0.session.id) }
            try write(page(), to: joined(output, "index.html"), console: console)
        case let output?:
            try write(page(), to: output, console: console)
        case nil:
            try write(page(), to: "agentops-report-sessions.html", console: console)
        }
        return AgentOpsCommand.Status.ok
    }

    /// Whether `-o` names a folder: one that exists, or a path ending in `/`.
    static func isFolder(_ path: String) -> Bool {
        if path.hasSuffix("/") { return true }
        return Files.status(path)?.kind == .directory
    }

    private static func joined(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    private static func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw Failure.cannotWrite(path: path, reason: "\(error.localizedDescription)")
        }
    }

    /// Writes `bytes` to `path` whole (a temporary file renamed over it, so a reader
    /// never sees half a page), or to standard output when `path` is nil.
    private static func write(_ bytes: [UInt8], to path: String?, console: Console) throws {
        guard let path else {
            Descriptors.writeAll(bytes, to: 1)
            return
        }
        do {
            try Files.replace(path, with: bytes)
        } catch {
            let reason = error.isNoReader ? "a FIFO no one reads, or a socket"
                : error.isRefusedBlockDevice ? "a block device is never written to" : "\(error)"
            throw Failure.cannotWrite(path: path, reason: reason)
        }
        console.info("wrote \(path) (\(bytes.count / 1024 + 1) KiB)")
    }
}
