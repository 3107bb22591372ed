import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("Session index")
struct SessionIndexTests {
    /// A summary with every field set, and values that a lossy encoding would change:
    /// 38-digit and tiny costs, sums at `Int.max`, timestamps outside ISO 8601's years,
    /// un-normalised tags, a Unicode model name, nulls and empty strings.
    static func fullSummary(id: SessionID = .random()) -> SessionSummary {
        var session = Session(id: id, initTimestamp: Timestamp(microseconds: -62_135_596_800_000_001), tags: [],
                              hostEnv: .object([("OS", .object([("Cores", .number("2")), ("Name", .null)])),
                                                ("list", .array([.bool(true), .string("é\n\"")]))]),
                              command: ["sh", "-c", "echo 'hi'\t"], video: "https://example.com/v")
        session.tags = ["b", "a,c", "b", ""]
        session.projectID = "p-1"
        session.endTimestamp = Timestamp(microseconds: .max)
        session.endState = .fail
        session.endStateReason = ""
        var summary = SessionSummary(session: session)
        summary.counts = [.llms: 3, .tools: 1, .actions: .max, .errors: 0, .apis: 7]
        summary.promptTokens = .max
        summary.completionTokens = 12
        summary.recordedCost = Decimal(string: "12345678901234567890.123456789012345678")!
        var usage = LLMUsage()
        usage.calls = 2
        usage.promptTokens = 10
        usage.completionTokens = .max
        usage.cachedTokens = 4
        summary.usage = ["gpt-4o": usage, "": LLMUsage(), "模型": usage]
        summary.modelTotals = ["gpt-4o": usage, "claude": LLMUsage()]
        summary.recordedCostByModel = ["claude": Decimal(string: "0.0000000000000000000000000000001")!,
                                       "x": Decimal(string: "0.0012345678")!]
        summary.end = StoreRecord.EndRecord(timestamp: Timestamp(microseconds: 1), state: .fail, reason: "killed",
                                            exitCode: Int32.min, signal: "SIGKILL")
        summary.declared = StoreRecord.DeclaredEnd(timestamp: Timestamp(microseconds: 2), state: .success,
                                                   reason: nil)
        summary.problems = [SessionLog.Problem(path: "/store/x.jsonl", line: 3, reason: "not valid JSON")]
        return summary
    }

    static func roundTrip(_ summary: SessionSummary, path: String) throws -> SessionSummary {
        let text = JSONWriter.compact(summary.indexJSON)
        return try #require(SessionSummary(indexJSON: try JSONParser.parse(text), path: path))
    }

    @Test("a summary round-trips through its index encoding, every field exactly")
    func codingRoundTrip() throws {
        let summary = Self.fullSummary()
        let decoded = try Self.roundTrip(summary, path: "/store/x.jsonl")
        #expect(decoded == summary)
        #expect(decoded.session == summary.session)
        #expect(decoded.recordedCost.description == "12345678901234567890.123456789012345678")
        #expect(decoded.recordedCostByModel == summary.recordedCostByModel)
        #expect(decoded.usage == summary.usage && decoded.modelTotals == summary.modelTotals)
        #expect(decoded.end == summary.end && decoded.declared == summary.declared)
        #expect(decoded.problems == summary.problems)
        #expect(JSONWriter.compact(decoded.indexJSON) == JSONWriter.compact(summary.indexJSON))
    }

    @Test("the minimal summary round-trips too (no end, no declared, nothing counted)")
    func codingMinimal() throws {
        let session = Session(id: .random(), initTimestamp: Timestamp(microseconds: 0), tags: [], hostEnv: .null,
                              command: [])
        let summary = SessionSummary(session: session)
        #expect(try Self.roundTrip(summary, path: "p") == summary)
    }

    @Test("problems name the log they are decoded for, not the one they were encoded from")
    func problemsTakeThePath() throws {
        let decoded = try Self.roundTrip(Self.fullSummary(), path: "/moved/x.jsonl")
        #expect(decoded.problems.map(\.path) == ["/moved/x.jsonl"])
        #expect(decoded.problems.map(\.line) == [3])
    }

    @Test("a malformed encoding is refused, not read half", arguments: [
        "recorded_cost", "counts", "session", "usage", "end", "declared", "problems",
    ])
    func codingRefusesDamage(key: String) throws {
        guard case let .object(pairs) = Self.fullSummary().indexJSON else { throw CancellationError() }
        let damaged = JSONValue.object(pairs.map { $0.0 == key ? ($0.0, .object([("x", .string("y"))])) : $0 })
        #expect(SessionSummary(indexJSON: damaged, path: "p") == nil)
        let missing = JSONValue.object(pairs.filter { $0.0 != key })
        #expect(SessionSummary(indexJSON: missing, path: "p") == nil)
    }

    @Test("a row round-trips through its index encoding, and costs what its summary costs")
    func rowRoundTrip() throws {
        let summary = Self.fullSummary()
        let row = SessionRow(summary)
        let json = try JSONParser.parse(JSONWriter.compact(.object(row.indexPairs)))
        #expect(SessionRow(index: json, id: summary.session.id) == row)
        #expect(row.cost(PriceTable()) == summary.cost(PriceTable()))
        #expect(row.cost(PriceTable()) != row.recordedCost, "the price table priced the uncosted calls")
        #expect(SessionRow(index: .object(row.indexPairs.filter { $0.0 != "ended" }), id: summary.session.id) == nil)
    }

    /// The row line of `summary` at `key`, its summary at offset 7 of 100 bytes, and
    /// where the line lies in it (no newline).
    static func rowLine(_ summary: SessionSummary?, id: SessionID, key: SessionIndex.Key) -> [UInt8] {
        var line: [UInt8] = []
        SessionIndex.writeRow(id: id, key: key, summary: summary.map { (7, 100, SessionRow($0)) }, into: &line)
        line.removeLast()
        return line
    }

    @Test("the entry reader reads the writer's common shape as JSON does, and leaves the rest to JSON")
    func entryReader() throws {
        var plain = SessionSummary(session: Session(id: .random(), initTimestamp: Timestamp(microseconds: -5),
                                                    tags: ["a", "b c", "é"], hostEnv: .null, command: ["x"]))
        plain.recordedCost = Decimal(string: "0.0012345678")!
        plain.end = StoreRecord.EndRecord(timestamp: Timestamp(microseconds: 9), state: .fail, reason: "x")
        plain.session.endState = .fail
        let key = SessionIndex.Key(size: 10, mtime: -1, ctime: .max, inode: UInt64(Int.max))
        // The full summary has uncosted usage: JSON's to read.
        for (summary, fast) in [(plain, true), (Self.fullSummary(), false)] {
            let id = summary.session.id
            let line = Self.rowLine(summary, id: id, key: key)
            try line.withUnsafeBufferPointer { bytes in
                let body = try #require(IndexRowCheck.body(bytes, line: 0..<line.count))
                let read = IndexEntryReader.read(bytes, line: body)
                #expect((read != nil) == fast)
                if let read {
                    let row = try #require(read.row)
                    #expect(read.key == key && row.summaryAt == 7 && row.summaryBytes == 100)
                    #expect(row.start == -5 && row.state == .fail && row.ended)
                    #expect(row.recordedCost == plain.recordedCost && row.tagList(in: bytes) == ["a", "b c", "é"])
                }
                let packed = try #require(PackedSessionID(id))
                guard case let .unusual(readKey, full, row, _) = SessionIndex.unusualEntry(
                    bytes, line: 0..<line.count, id: packed, key: key) else {
                    Issue.record("JSON did not read the line")
                    return
                }
                #expect(readKey == key && full == SessionRow(summary) && row.summaryAt == 7)
                // Cut anywhere, its check refuses it; and the reader too, past the key
                // (a line cut right after it would read as a log without a session).
                for end in stride(from: 0, to: line.count, by: 7) {
                    #expect(IndexRowCheck.body(bytes, line: 0..<end) == nil)
                }
                let keyEnd = try #require(String(decoding: line, as: UTF8.self).range(of: ",\"summary_at\"")).lowerBound
                    .utf16Offset(in: String(decoding: line, as: UTF8.self))
                for end in stride(from: keyEnd + 1, to: body.count, by: 7) {
                    #expect(IndexEntryReader.read(bytes, line: 0..<end) == nil)
                }
            }
        }
        let line = Self.rowLine(nil, id: plain.session.id, key: key)
        try line.withUnsafeBufferPointer { bytes in
            let read = IndexEntryReader.read(bytes, line: try #require(IndexRowCheck.body(bytes, line: 0..<line.count)))
            #expect(read?.key == key && read?.row == nil)
            let packed = try #require(PackedSessionID(plain.session.id))
            guard case .noSession = SessionIndex.unusualEntry(bytes, line: 0..<line.count, id: packed, key: key) else {
                Issue.record("JSON did not read the line as a log without a session")
                return
            }
        }
    }

    @Test("a row's check holds as written and fails at any one byte changed, the check's own digits too")
    func rowCheck() throws {
        var summary = Self.fullSummary()
        summary.recordedCost = Decimal(string: "0.25")!
        for written in [summary, nil] as [SessionSummary?] {
            let line = Self.rowLine(written, id: summary.session.id, key: .init(size: 1, mtime: 2, ctime: 3, inode: 4))
            let text = String(decoding: line, as: UTF8.self)
            #expect(text.hasSuffix("}") && text.contains(",\"crc32\":"), "\(text)")
            let body = line.withUnsafeBufferPointer { IndexRowCheck.body($0, line: 0..<$0.count) }
            #expect(body.map { String(decoding: line[$0], as: UTF8.self) + "}" }
                == text.replacingOccurrences(of: #",\"crc32\":\d+"#, with: "", options: .regularExpression))
            for index in line.indices {
                for changed in [line[index] ^ 0x01, line[index] ^ 0x10, UInt8(ascii: "9")] where changed != line[index] {
                    var edited = line
                    edited[index] = changed
                    #expect(edited.withUnsafeBufferPointer { IndexRowCheck.body($0, line: 0..<$0.count) } == nil,
                            "byte \(index) changed to \(changed)")
                }
            }
            // Cut short, or with a byte added, it no longer holds either.
            #expect(line.withUnsafeBufferPointer { IndexRowCheck.body($0, line: 1..<$0.count) } == nil)
            let longer = Array(line[..<40]) + [0x20] + Array(line[40...])
            #expect(longer.withUnsafeBufferPointer { IndexRowCheck.body($0, line: 0..<$0.count) } == nil)
        }
    }

    @Test("packed ids read only the canonical text, and give it back", arguments: [
        "6f2d373c-b66e-4f7b-b180-0f8161a71123", "6F2D373C-B66E-4F7B-B180-0F8161A71123",
        "6f2d373cxb66e-4f7b-b180-0f8161a71123", "6f2d373c-b66e-4f7b-b180-0f8161a7112g",
        "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
    ])
    func packedIDs(text: String) throws {
        let packed = Array(text.utf8).withUnsafeBufferPointer { PackedSessionID($0.baseAddress!) }
        #expect((packed != nil) == (SessionID(text)?.value == text))
        if let packed {
            #expect(packed.sessionID.value == text)
            #expect(packed.withFileName { String(cString: $0) } == text + ".jsonl")
        }
    }

    @Test("totals sum packed costs exactly, as Decimal sums them, and count failures")
    func totals() throws {
        let store = Self.store()
        let costs = ["0", "0.0012345678", "12.5", "123456.789", "0.00000000000000001", "3"]
        var expected = Decimal(0)
        for (index, cost) in costs.enumerated() {
            let id = SessionID.random()
            let at = Timestamp(microseconds: Int64(index))
            try store.open(id).append([
                .start(Session(id: id, initTimestamp: at, tags: [], hostEnv: .null, command: ["true"])),
                .event(Event(type: .llms, initTimestamp: at, endTimestamp: at, sessionID: id, fields: [
                    ("model", .string("gpt-4o")), ("cost", .number(cost)),
                ])),
                .end(.init(timestamp: at, state: index % 2 == 0 ? .fail : .success, reason: "x")),
            ])
            expected += Decimal(string: cost)!
        }
        _ = try store.listing()
        let listing = try store.listing()
        #expect(listing.entries.allSatisfy { $0.detail < 0 }, "every row was read packed")
        let totals = listing.totals(of: Array(0..<listing.count), prices: PriceTable())
        #expect(totals.cost == expected && totals.failed == 3, "\(totals) \(expected)")
        #expect(totals.cost == listing.rows.reduce(Decimal(0)) { $0 + $1.cost(PriceTable()) })
        #expect(SessionListing.decimal(attos: 1) == Decimal(string: "0.000000000000000001"))
        #expect(SessionListing.decimal(attos: Int128.max) == Decimal(string: "170141183460469231731.687303715884105727"))
    }

    @Test("a row's cost read directly is the value Decimal(string:) reads; a negative one is refused", arguments: [
        "0", "0.0012345678", "12.5", "0.50", "007", "123456789012345678", "1234567890123456789",
        "0.00000000000000000000000000000000001", "1e5", "-0.5", "-5", ".5", "5.", "1.2.3", "", "x",
    ])
    func rowCost(text: String) {
        let direct = SessionRow.decimal(.string(text))
        let parsed = Decimal(string: text).flatMap { $0.isNaN || $0 < 0 ? nil : $0 }
        #expect(direct == parsed)
    }

    @Test("session ids are checked as UUID(uuidString:) checks them, without it", arguments: [
        "6f2d373c-b66e-4f7b-b180-0f8161a71123", "6F2D373C-B66E-4F7B-B180-0F8161A71123",
        "6f2d373c-b66e-4f7b-b180-0f8161a7112", "6f2d373c-b66e-4f7b-b180-0f8161a711234",
        "6f2d373cxb66e-4f7b-b180-0f8161a71123", "6f2d373c-b66e-4f7b-b180-0f8161a7112g",
        "index.jsonl", "", "6f2d373c-b66e-4f7b-b180-0f8161a7112é", "6f2d373c0b66e04f7b0b18000f8161a71123",
    ])
    func sessionIDs(text: String) {
        #expect(SessionID(text)?.value == UUID(uuidString: text)?.uuidString.lowercased())
    }

    // MARK: - The index

    static func store() -> LocalStore { LocalStore(home: StoreTests.folder()) }

    @discardableResult
    static func record(_ store: LocalStore, start: Int64, tags: [String] = [],
                       ended: Bool = true) throws -> SessionID {
        let id = SessionID.random()
        let at = Timestamp(microseconds: start)
        var records: [StoreRecord] = [
            .start(Session(id: id, initTimestamp: at, tags: tags, hostEnv: .null, command: ["true"])),
            .event(.stdout("hi", from: at, to: at, session: id)),
            .event(Event(type: .llms, initTimestamp: at, endTimestamp: at, sessionID: id, fields: [
                ("model", .string("gpt-4o")), ("prompt_tokens", .int(10)), ("cost", .number("0.0012345678")),
            ])),
        ]
        if ended { records.append(.end(.init(timestamp: at.adding(microseconds: 5), state: .success, reason: "ok"))) }
        try store.open(id).append(records)
        return id
    }

    /// The summaries straight from the logs, newest first, as the store gave them
    /// before it had an index.
    static func folded(_ store: LocalStore) throws -> [SessionSummary] {
        try store.sessionIDs().compactMap { try? SessionLog.summary(path: store.path(of: $0)) }
            .sorted { $0.session.initTimestamp > $1.session.initTimestamp }
    }

    /// Rewrites the store's summaries file with `edit` applied to its text (a damaged
    /// summary, or one edited under a key that still matches), and expects it changed.
    ///
    /// - Returns: the text written.
    @discardableResult
    static func editSummaries(_ store: LocalStore, _ edit: (String) -> String) throws -> String {
        let path = SessionIndex(store: store).summariesPath
        let text = try #require(Descriptors.readSmallFile(path))
        let edited = edit(text)
        #expect(edited != text)
        try edited.write(toFile: path, atomically: false, encoding: .utf8)
        return edited
    }

    static func indexLines(_ store: LocalStore) -> [String] {
        (Descriptors.readSmallFile(SessionIndex(store: store).path) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("summaries are the logs' folds, built into an index, then read back from it")
    func buildThenHit() throws {
        let store = Self.store()
        for start in 1...5 { try Self.record(store, start: Int64(start) * 1_000_000) }
        let expected = try Self.folded(store)
        #expect(!FileManager.default.fileExists(atPath: SessionIndex(store: store).path))
        #expect(try store.summaries() == expected)
        let lines = Self.indexLines(store)
        #expect(lines.count == 6 && lines.first == "{\"agentops_session_index\":5}")
        #expect(try store.summaries() == expected)
        #expect(Self.indexLines(store) == lines)
        // Served from the index, not the logs: an entry changed under an unchanged key
        // is what comes back.
        try Self.editSummaries(store) {
            $0.replacingOccurrences(of: "\"command\":[\"true\"]", with: "\"command\":[\"fake\"]")
        }
        #expect(try store.summaries().map(\.session.command) == Array(repeating: ["fake"], count: 5))
    }

    @Test("an entry is used only while the log is unchanged: an append is folded again")
    func appendMisses() throws {
        let store = Self.store()
        let id = try Self.record(store, start: 1_000_000, ended: false)
        try Self.record(store, start: 2_000_000)
        _ = try store.summaries()
        try store.open(id).append(.tagsAdded(["later"]))
        #expect(try store.summaries() == Self.folded(store))
        #expect(try store.summaries().first { $0.session.id == id }?.session.tags == ["later"])
        // The new entry was appended; the old one is stale, not yet rewritten.
        #expect(Self.indexLines(store).count == 4)
        try store.open(id).append(.end(.init(timestamp: .now(), state: .fail, reason: "x")))
        #expect(try store.summaries().first { $0.session.id == id }?.end?.state == .fail)
    }

    @Test("a log rewritten or replaced at the same size and mtime is folded again (ctime, inode)",
          arguments: [false, true])
    func rewrittenLogMisses(replaced: Bool) throws {
        let store = Self.store()
        let id = try Self.record(store, start: 1_000_000, tags: ["aaaa"])
        _ = try store.summaries()
        let path = store.path(of: id)
        var info = stat()
        #expect(stat(path, &info) == 0)
        let text = try #require(Descriptors.readSmallFile(path)).replacingOccurrences(of: "aaaa", with: "bbbb")
        // Past the file system clock's tick, which is all ctime can tell apart.
        usleep(50_000)
        let target = replaced ? path + ".new" : path
        let fd = open(target, O_WRONLY | O_CREAT, 0o600)
        #expect(Descriptors.writeAll(Array(text.utf8), to: fd) == Int(info.st_size))
        close(fd)
        var times = [info.st_atim, info.st_mtim]
        #expect(utimensat(AT_FDCWD, target, &times, 0) == 0)
        if replaced { #expect(rename(target, path) == 0) }
        var now = stat()
        #expect(stat(path, &now) == 0 && now.st_size == info.st_size && now.st_mtim.tv_nsec == info.st_mtim.tv_nsec)
        #expect(try store.summaries().first?.session.tags == ["bbbb"])
    }

    @Test("a missing, corrupt, truncated or other-version index is rebuilt", arguments: [
        nil, "", "garbage\n", "{\"agentops_session_index\":0}\n", "{\"agentops_session_index\":5}\n{\"id\":\"",
        // Earlier versions: one JSON object per line, the whole summary inside; then a
        // row and the summary on one line; then rows without a check; then token counts
        // over 10^12 summed.
        "{\"agentops_session_index\":1}\n", "{\"agentops_session_index\":2}\n", "{\"agentops_session_index\":3}\n",
        "{\"agentops_session_index\":4}\n",
    ] as [String?])
    func corruptIndexRebuilt(content: String?) throws {
        let store = Self.store()
        for start in 1...3 { try Self.record(store, start: Int64(start)) }
        let expected = try Self.folded(store)
        _ = try store.summaries()
        let path = SessionIndex(store: store).path
        unlink(path)
        if let content { try content.write(toFile: path, atomically: false, encoding: .utf8) }
        #expect(try store.summaries() == expected)
        let lines = Self.indexLines(store)
        #expect(lines.first == "{\"agentops_session_index\":5}" && lines.count == 4)
        #expect(try store.summaries() == expected)
    }

    @Test("damaged entries are misses, folded again, never wrong summaries")
    func damagedEntryMisses() throws {
        let store = Self.store()
        let id = try Self.record(store, start: 1_000_000)
        try Self.record(store, start: 2_000_000)
        let expected = try Self.folded(store)
        _ = try store.summaries()
        // A summary that no longer decodes, under a key that still matches.
        try Self.editSummaries(store) {
            $0.replacingOccurrences(of: "\"completion_tokens\":0", with: "\"completion_tokens\":\"x\"")
        }
        #expect(try store.summaries() == expected)
        #expect(try store.summaries().contains { $0.session.id == id })
    }

    /// Rows edited in place, as by hand: the log's key still matches, the numbers do not.
    static let rowEdits: [(name: String, from: String, to: String, pattern: Bool)] = [
        ("a cost", "\"recorded_cost\":\"0.0012345678\"", "\"recorded_cost\":\"9.0012345678\"", false),
        ("a start", "\"start_us\":2000000,", "\"start_us\":9000000,", false),
        ("a state", "\"state\":\"Success\"", "\"state\":\"Fail\"", false),
        ("a tag", "\"tags\":[\"t2\"]", "\"tags\":[\"t9\"]", false),
        ("the cost of a row read as JSON (uncosted usage)", "\"recorded_cost\":\"0\"", "\"recorded_cost\":\"7\"", false),
        // The session would vanish from the list.
        ("a row cut to one of a log without a session", #",\"summary_at\":[1-9][^\n]*"#, "}", true),
    ]

    @Test("a row edited by hand under a key that still matches is folded again: order and totals are the logs'",
          arguments: 0..<rowEdits.count)
    func editedRowMisses(index: Int) throws {
        let (name, from, to, pattern) = Self.rowEdits[index]
        let store = Self.store()
        for start in 1...3 { try Self.record(store, start: Int64(start) * 1_000_000, tags: ["t\(start)"]) }
        // A session whose LLM call has no cost: its row keeps usage, read as JSON.
        let id = SessionID.random()
        let at = Timestamp(microseconds: 4_000_000)
        try store.open(id).append([
            .start(Session(id: id, initTimestamp: at, tags: [], hostEnv: .null, command: ["true"])),
            .event(Event(type: .llms, initTimestamp: at, endTimestamp: at, sessionID: id,
                         fields: [("model", .string("gpt-4o")), ("prompt_tokens", .int(10))])),
        ])
        let expected = try Self.folded(store)
        let prices = PriceTable()
        let all = Array(0..<expected.count)
        let before = try store.listing()
        #expect(before.rows == expected.map(SessionRow.init))
        let path = SessionIndex(store: store).path
        let text = try #require(Descriptors.readSmallFile(path))
        let edited = text.replacingOccurrences(of: from, with: to, options: pattern ? .regularExpression : [])
        #expect(edited != text, "\(name): the edit applies")
        try edited.write(toFile: path, atomically: false, encoding: .utf8)
        let listing = try store.listing()
        #expect(listing.rows == expected.map(SessionRow.init), "\(name)")
        #expect(listing.totals(of: all, prices: prices) == before.totals(of: all, prices: prices), "\(name)")
        #expect(listing.summaries() == expected, "\(name)")
        // Folded again and saved: the next listing reads the fresh row.
        #expect(Self.indexLines(store).count > 5, "\(name)")
        #expect(try store.listing().rows == expected.map(SessionRow.init), "\(name)")
    }

    @Test("a summary edited apart from its row (a cost, a start) is folded from the log again", arguments: [
        ("\"recorded_cost\":\"0.0012345678\"", "\"recorded_cost\":\"9.0012345678\""),
        ("\"init_timestamp_us\":2000000", "\"init_timestamp_us\":9000000"),
    ])
    func editedSummaryMisses(from: String, to: String) throws {
        let store = Self.store()
        for start in 1...3 { try Self.record(store, start: Int64(start) * 1_000_000) }
        let expected = try Self.folded(store)
        _ = try store.listing()
        let path = SessionIndex(store: store).summariesPath
        let text = try #require(Descriptors.readSmallFile(path))
        let edited = text.replacingOccurrences(of: from, with: to)
        #expect(edited != text)
        try edited.write(toFile: path, atomically: false, encoding: .utf8)
        let listing = try store.listing()
        #expect((0..<listing.count).map { listing.summary(at: $0) } == expected)
        #expect(listing.summaries() == expected)
    }

    /// What may stand where the index's temporary file or its lock goes.
    static let obstacles: [(name: String, path: @Sendable (SessionIndex) -> String,
                            place: @Sendable (String) -> Int32)] = [
        ("a symbolic link at the rows' temporary file", { $0.path + ".tmp" }, { symlink($0 + "-target", $0) }),
        ("a directory at the rows' temporary file", { $0.path + ".tmp" }, { mkdir($0, 0o700) }),
        ("a directory at the lock", { $0.lockPath }, { mkdir($0, 0o700) }),
    ]

    @Test("an index save that is blocked says why, once, changes nothing and never follows a link",
          arguments: 0..<obstacles.count)
    func blockedSave(index: Int) throws {
        let (name, obstaclePath, place) = Self.obstacles[index]
        let store = Self.store()
        for start in 1...3 { try Self.record(store, start: Int64(start)) }
        let expected = try Self.folded(store)
        let indexFiles = SessionIndex(store: store)
        let obstacle = obstaclePath(indexFiles)
        try #require(place(obstacle) == 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: store.home).sorted()
        for _ in 0..<2 {
            let listing = try store.listing()
            #expect(listing.rows == expected.map(SessionRow.init), "\(name)")
            guard case let .indexNotSaved(path, reason)? = listing.unsavedIndex else {
                Issue.record("\(name): no warning")
                return
            }
            #expect(path == obstacle, "\(name)")
            #expect(reason.contains(index == 0 ? "symbolic link" : "directory"), "\(name): \(reason)")
            #expect(!"\(listing.unsavedIndex!)".contains("\n"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.home).sorted() == before,
                "\(name): nothing written, the link not followed")
        // Once it is out of the way, the index is saved, and nothing is said.
        #expect(unlink(obstacle) == 0 || rmdir(obstacle) == 0)
        #expect(try store.listing().unsavedIndex == nil)
        #expect(Self.indexLines(store).count == 4)
        #expect(try store.listing().unsavedIndex == nil)
    }

    @Test("a listing filters on rows and decodes a summary only when asked; a damaged one is folded again")
    func lazySummaries() throws {
        let store = Self.store()
        for start in 1...3 { try Self.record(store, start: Int64(start) * 1_000_000, tags: ["t\(start)"]) }
        let expected = try Self.folded(store)
        _ = try store.summaries()
        // Every summary half damaged, every row half whole.
        let damaged = try Self.editSummaries(store) { $0.replacingOccurrences(of: "\"counts\":{", with: "\"counts\":x{") }
        let listing = try store.listing()
        #expect(listing.rows == expected.map(SessionRow.init))
        #expect(listing.rows.map(\.tags) == [["t3"], ["t2"], ["t1"]])
        // Listing read the rows alone: no log was folded, so the index was left as it was.
        #expect(Descriptors.readSmallFile(SessionIndex(store: store).summariesPath) == damaged)
        #expect(Self.indexLines(store).count == 4)
        #expect(listing.summary(at: 1) == expected[1])
        #expect(listing.summaries() == expected)
    }

    @Test("a summary line is used only where its row points and with its row's key; moved ones are folded again")
    func movedSummariesMiss() throws {
        let store = Self.store()
        for start in 1...4 { try Self.record(store, start: Int64(start) * 1_000_000) }
        let expected = try Self.folded(store)
        _ = try store.summaries()
        // The same lines in another order, each saying another command: none is where
        // its row points, so none may be used.
        try Self.editSummaries(store) {
            $0.split(separator: "\n").reversed().map { $0 + "\n" }.joined()
                .replacingOccurrences(of: "\"command\":[\"true\"]", with: "\"command\":[\"moved\"]")
        }
        #expect(try store.summaries() == expected)
    }

    @Test("a lost or cut summaries file makes its rows misses, and the index is rebuilt", arguments: [false, true])
    func lostSummariesRebuilt(cut: Bool) throws {
        let store = Self.store()
        for start in 1...3 { try Self.record(store, start: Int64(start) * 1_000_000) }
        let expected = try Self.folded(store)
        _ = try store.summaries()
        let index = SessionIndex(store: store)
        if cut { #expect(truncate(index.summariesPath, 100) == 0) } else { #expect(unlink(index.summariesPath) == 0) }
        #expect(try store.listing().rows == expected.map(SessionRow.init))
        #expect(try store.summaries() == expected)
        // Rebuilt: served from the summaries file again (an edit under unchanged keys shows).
        let text = try #require(Descriptors.readSmallFile(index.summariesPath))
        #expect(text.components(separatedBy: "\"command\":[\"true\"]").count == 4)
        try text.replacingOccurrences(of: "\"command\":[\"true\"]", with: "\"command\":[\"fake\"]")
            .write(toFile: index.summariesPath, atomically: false, encoding: .utf8)
        #expect(try store.summaries().map(\.session.command) == Array(repeating: ["fake"], count: 3))
    }

    @Test("a summaries file mostly stale is rewritten with the rows, which still find their summaries")
    func staleSummariesCompacted() throws {
        let store = Self.store()
        let id = try Self.record(store, start: 1, ended: false)
        for start in 2...4 { try Self.record(store, start: Int64(start)) }
        let index = SessionIndex(store: store, slack: 0, summarySlack: 0)
        _ = try index.listing()
        var sizes: [Int] = []
        for round in 0..<12 {
            try store.open(id).append(.tagsAdded(["t\(round)"]))
            _ = try index.listing()
            sizes.append(try #require(SessionIndex.Key(path: index.summariesPath)).size)
            #expect(try index.listing().summaries() == Self.folded(store))
        }
        // Each round adds a summary line; a rewrite drops the stale ones, so the file
        // never holds more than twice what is live.
        #expect(sizes.max()! < 2 * sizes.min()! + 4096, "\(sizes)")
        #expect(sizes.contains { $0 < sizes.max()! }, "it shrank at least once: \(sizes)")
        #expect(try store.summaries() == Self.folded(store))
    }

    @Test("a compaction drops rows whose check fails: they are folded again, and only their fresh rows kept")
    func corruptRowsDroppedByCompaction() throws {
        let store = Self.store()
        for start in 1...3 { try Self.record(store, start: Int64(start) * 1_000_000) }
        let expected = try Self.folded(store)
        let index = SessionIndex(store: store, slack: 0, summarySlack: 0)
        _ = try index.listing()
        // Two rows of three edited in place, their checks left as they were: their
        // summaries go stale, more than the one still live, so both files are rewritten.
        let path = index.path
        let text = try #require(Descriptors.readSmallFile(path))
        let edited = text.replacingOccurrences(of: "\"start_us\":1000000,", with: "\"start_us\":8000000,")
            .replacingOccurrences(of: "\"start_us\":2000000,", with: "\"start_us\":9000000,")
        #expect(edited != text)
        try edited.write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try index.listing().rows == expected.map(SessionRow.init))
        let rows = Self.indexLines(store)
        #expect(rows.count == 4, "the header and one row per session: \(rows)")
        #expect(!rows.contains { $0.contains("8000000") || $0.contains("9000000") })
        for row in rows.dropFirst() {
            let bytes = Array(row.utf8)
            #expect(bytes.withUnsafeBufferPointer { IndexRowCheck.body($0, line: 0..<$0.count) } != nil, "\(row)")
        }
        let summaries = try #require(Descriptors.readSmallFile(index.summariesPath))
        #expect(summaries.split(separator: "\n").count == 3, "compacted: one summary per session")
        #expect(try index.listing().summaries() == expected)
        #expect(Self.indexLines(store) == rows, "the next listing reads them all from the index")
    }

    @Test("deleted sessions are left out at once, and their entries dropped at the next rewrite")
    func deletedSessionDropped() throws {
        let store = Self.store()
        let ids = try (1...4).map { try Self.record(store, start: Int64($0)) }
        _ = try store.summaries()
        store.remove([ids[0]])
        #expect(try store.summaries().map(\.session.id).contains(ids[0]) == false)
        #expect(try store.summaries() == Self.folded(store))
        // One stale line is within the slack; with none allowed, the index is rewritten.
        #expect(Self.indexLines(store).contains { $0.contains(ids[0].value) })
        _ = try SessionIndex(store: store, slack: 0).listing()
        let lines = Self.indexLines(store)
        #expect(lines.count == 4 && !lines.contains { $0.contains(ids[0].value) })
        #expect(try store.summaries() == Self.folded(store))
    }

    @Test("many stale lines (a session appended to again and again) make the index rewritten")
    func staleLinesCompacted() throws {
        let store = Self.store()
        let id = try Self.record(store, start: 1, ended: false)
        for round in 0..<80 {
            try store.open(id).append(.tagsAdded(["t\(round)"]))
            _ = try store.summaries()
        }
        #expect(Self.indexLines(store).count < 70)
        #expect(try store.summaries() == Self.folded(store))
    }

    @Test("a log without a start record is remembered as holding no session, and is never listed")
    func noStartRecord() throws {
        let store = Self.store()
        try store.prepare()
        let id = SessionID.random()
        try "\n".write(toFile: store.path(of: id), atomically: false, encoding: .utf8)
        try Self.record(store, start: 1)
        #expect(try store.summaries().count == 1)
        #expect(Self.indexLines(store).contains { $0.contains(id.value) && !$0.contains("summary_at") })
        #expect(try store.summaries().count == 1)
    }

    @Test("an index that cannot be written never fails a read")
    func unwritableIndex() throws {
        let store = Self.store()
        try Self.record(store, start: 1)
        let path = SessionIndex(store: store).path
        #expect(mkdir(path, 0o700) == 0)
        #expect(try store.summaries() == Self.folded(store))
        let other = Self.store()
        try Self.record(other, start: 1)
        // A home others may write to is refused by readers as by writers (issue 12), so
        // no index is written into it either.
        #expect(chmod(other.home, 0o770) == 0)
        #expect(throws: StoreError.self) { try other.summaries() }
        #expect(!FileManager.default.fileExists(atPath: SessionIndex(store: other).path))
    }

    @Test("the index and its lock are not sessions, and prune leaves them")
    func notASession() throws {
        let store = Self.store()
        let ids = try (1...3).map { try Self.record(store, start: Int64($0)) }
        _ = try store.summaries()
        #expect(Set(try store.sessionIDs()) == Set(ids))
        #expect(store.prune(try store.listing(), olderThan: nil, keep: 0).count == 3)
        #expect(try store.summaries().isEmpty)
        #expect(FileManager.default.fileExists(atPath: SessionIndex(store: store).path))
        #expect(FileManager.default.fileExists(atPath: SessionIndex(store: store).lockPath))
    }
}
