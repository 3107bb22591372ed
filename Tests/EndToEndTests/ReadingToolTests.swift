import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// `agentops` for people: sessions, show (pager, filters, follow), stats shapes, end,
/// prune's confirmation, per-command help and clustered options.
@Suite("Reading sessions: views for people")
struct ReadingToolTests {
    static func tool(_ arguments: [String], home: String, extra: [String: String] = [:]) -> Harness.Result {
        var environment = Harness.environment(home: home, extra: extra)
        for key in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS", "PAGER", "TZ"] where extra[key] == nil {
            environment.removeValue(forKey: key)
        }
        return Harness.run(Harness.agentops, arguments, environment: environment)
    }

    /// Runs `arguments` on a fresh pseudo-terminal (33 rows, 123 columns) through
    /// pty_driver.py; returns what it printed there.
    static func onTerminal(_ arguments: [String], home: String, extra: [String: String]) throws -> String {
        var environment = Harness.environment(home: home, extra: extra)
        environment.removeValue(forKey: "NO_COLOR")
        return try Harness.onTerminal("plain", [Harness.agentops] + arguments, environment: environment)["output"]?
            .stringValue ?? ""
    }

    @Test("sessions: local time (TZ) or --utc, Running while the command runs, totals, fit and colour")
    func sessions() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "-t", "a-rather-long-tag-name,another-long-tag", "sh", "-c",
                          "echo the command line is long enough to be cut; exit 3"], home: home)
        _ = Harness.wrap(["-q", "true"], home: home)
        let id = try #require(try LocalStore(home: home).summaries().first?.session)
        let utc = String(id.initTimestamp.description.prefix(16).map { $0 == "T" ? " " : $0 })
        let plain = Self.tool(["sessions", "--utc"], home: home)
        #expect(plain.out.hasPrefix("ID        STARTED (UTC)"), "\(plain.out)")
        #expect(plain.out.contains(utc))
        // UTC-9 is POSIX for nine hours east of Greenwich.
        let tokyo = Self.tool(["sessions"], home: home, extra: ["TZ": "UTC-9"])
        let shifted = LocalTime.text(id.initTimestamp.adding(microseconds: 9 * 3_600_000_000), utc: true)
        #expect(tokyo.out.contains(String(shifted.prefix(16))), "\(tokyo.out)")
        #expect(tokyo.out.hasSuffix("2 sessions | Cost: $0.00 | Failed: 1\n"), "\(tokyo.out)")
        let first = Self.tool(["sessions", "-n1"], home: home)
        #expect(first.out.hasSuffix("1 of 2 sessions (--limit 0: all) | Cost: $0.00 | Failed: 1\n"), "\(first.out)")

        let narrow = Self.tool(["sessions"], home: home, extra: ["COLUMNS": "100"])
        let lines = narrow.out.split(separator: "\n").dropLast()
        #expect(lines.allSatisfy { $0.count <= 100 }, "\(narrow.out)")
        #expect(narrow.out.contains("…"))
        #expect(!narrow.out.contains("\u{1B}["), "no colour into a pipe")
        let forced = Self.tool(["sessions"], home: home, extra: ["FORCE_COLOR": "1"])
        #expect(forced.out.contains("\u{1B}[31mFail"), "\(forced.out)")
        #expect(!Self.tool(["sessions"], home: home, extra: ["CLICOLOR_FORCE": "1", "NO_COLOR": "1"]).out
            .contains("\u{1B}["))

        // A running session reads Running in the table, Indeterminate in JSON.
        let running = Harness.temporaryFolder()
        var table = "", json = ""
        let result = Harness.wrap(["-q", "sh", "-c", "touch \(running)/ready; sleep 2"], home: running) { _ in
            guard Harness.waitForFile(running + "/ready") else { return }
            table = Self.tool(["sessions", "--state", "running"], home: running).out
            json = Self.tool(["sessions", "--json"], home: running).out
        }
        #expect(result.code == 0)
        #expect(table.contains("  Running  "), "\(table)")
        #expect(json.contains("\"Indeterminate\"") && !json.contains("Running"), "\(json)")
        #expect(Self.tool(["sessions", "--state", "running"], home: running).code == 0)
        #expect(Self.tool(["sessions", "--state", "running"], home: running).err.contains("no session matches"))
    }

    @Test("show: per-model header, filters, head and tail")
    func showFilters() throws {
        let home = Harness.temporaryFolder()
        let script = """
        echo out-1; echo err-1 >&2
        agentops event llm --model gpt-4o --prompt-tokens 1000 --completion-tokens 500 --cached-tokens 200
        agentops event llm --model gpt-4o --prompt-tokens 10 --completion-tokens 10 --cost 0.25
        agentops event llm --model house-model --prompt-tokens 7 --completion-tokens 3
        agentops event tool --name search --duration 1.5s
        echo out-2
        """
        let run = Harness.wrap(["-q", "--event-window", "0", "sh", "-c", script], home: home,
                               extra: RecordingCommandsTests.withTools(home))
        #expect(run.code == 0, "\(run.err)")
        let show = Self.tool(["show", "last"], home: home)
        let lines = show.out.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("llms      MODEL") && $0.hasSuffix("COST") }, "\(show.out)")
        // gpt-4o: 800 × 2.5e-6 + 200 × 1.25e-6 + 500 × 1e-5 = 0.00725, plus its own 0.25.
        #expect(lines.contains { $0.hasPrefix("          gpt-4o") && $0.contains(" 2  ") && $0.contains("1010")
                                 && $0.contains("510") && $0.contains("200") && $0.hasSuffix("$0.257250") },
                "\(show.out)")
        #expect(lines.contains { $0.hasPrefix("          house-model") && $0.hasSuffix("unpriced") })
        // An event line: the offset right-aligned in 9 columns, the label in 6, the text.
        func events(_ arguments: [String]) -> [String] {
            Self.tool(["show", "last"] + arguments, home: home).out.split(separator: "\n")
                .filter { $0.count > 19 && $0.prefix(9).contains("+") }
                .map { String($0.dropFirst(19)) }
        }
        #expect(events(["--stream", "stdout"]) == ["out-1", "out-2"])
        #expect(Set(events(["--stream", "stderr", "--type", "tools"])) == ["err-1", "search"])
        #expect(events(["--type", "llms", "--head", "1"]).count == 1)
        #expect(events(["--tail", "1"]) == ["out-2"])
        #expect(Self.tool(["show", "last", "--type", "vectors"], home: home).code == 2)
        #expect(Self.tool(["show", "last", "--head", "1", "--tail", "1"], home: home).code == 2)
    }

    @Test("show pages on a terminal only: $PAGER gets the text, a pipe or --no-pager does not")
    func pager() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "sh", "-c", "echo paged-line"], home: home)
        let recorded = home + "/paged.txt"
        let pager = "cat > \(recorded)"
        let screen = try Self.onTerminal(["show", "last"], home: home, extra: ["PAGER": pager])
        let paged = try String(contentsOfFile: recorded, encoding: .utf8)
        #expect(paged.hasPrefix("session   ") && paged.contains("stdout  paged-line"), "\(paged)")
        #expect(!screen.contains("paged-line"), "the pager, not agentops, wrote the screen: \(screen)")
        try FileManager.default.removeItem(atPath: recorded)
        let direct = try Self.onTerminal(["show", "last", "--no-pager"], home: home, extra: ["PAGER": pager])
        #expect(direct.contains("paged-line") && access(recorded, F_OK) != 0)
        let piped = Self.tool(["show", "last"], home: home, extra: ["PAGER": pager])
        #expect(piped.out.contains("paged-line") && access(recorded, F_OK) != 0)
    }

    /// A `PAGER` that could not be run, or that failed, showed nothing, and `show` exited
    /// 0 (hostile pass, round 12). As git does: one that cannot be run (`sh` says 127 or
    /// 126) is done without, one that fails is an error.
    @Test("a pager that cannot be run is done without; one that fails is an error (exit 1)")
    func failingPager() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "sh", "-c", "echo paged-line"], home: home)
        func show(_ pager: String) throws -> (screen: String, exit: Int?) {
            var environment = Harness.environment(home: home, extra: ["PAGER": pager])
            environment.removeValue(forKey: "NO_COLOR")
            let result = try Harness.onTerminal("plain", [Harness.agentops, "show", "last"], environment: environment)
            return (result["output"]?.stringValue ?? "", result["exit"]?.intValue)
        }
        for missing in ["no-such-pager-xyz", "/dev/null"] {
            let (screen, exit) = try show(missing)
            #expect(exit == 0, "\(missing): \(screen)")
            #expect(screen.contains("stdout  paged-line"), "\(missing): \(screen)")
            #expect(screen.contains("agentops: warning: the pager '\(missing)' could not be run (exit 12"), "\(screen)")
        }
        let (screen, exit) = try show("sh -c 'cat >/dev/null; exit 3'")
        #expect(exit == 1, "\(screen)")
        #expect(!screen.contains("paged-line"), "\(screen)")
        #expect(screen.contains("agentops: the pager 'sh -c 'cat >/dev/null; exit 3'' exited with status 3"), "\(screen)")
        // Killed by a signal (as by the OOM killer): it passed for a pager that quit.
        let (killed, killedExit) = try show("kill -9 $$")
        #expect(killedExit == 1, "\(killed)")
        #expect(killed.contains("agentops: the pager 'kill -9 $$' was killed by SIGKILL"), "\(killed)")
    }

    @Test("show --follow prints events as they are recorded and stops at the end")
    func follow() throws {
        let home = Harness.temporaryFolder()
        var followed = Harness.Result(stdout: [], stderr: [], code: nil, signal: nil, seconds: 0)
        let run = Harness.wrap(["-q", "sh", "-c", "echo early; touch \(home)/ready; sleep 1; echo late"],
                               home: home) { _ in
            guard Harness.waitForFile(home + "/ready") else { return }
            followed = Self.tool(["show", "last", "-f"], home: home)
        }
        #expect(run.code == 0)
        #expect(followed.code == 0, "\(followed.err)")
        #expect(followed.out.contains("stdout  early") && followed.out.contains("stdout  late"), "\(followed.out)")
    }

    @Test("show streams a 200,000-event session: the first screen long before the end, in bounded memory")
    func showStreams() throws {
        let home = Harness.temporaryFolder()
        let store = LocalStore(home: home)
        let id = try #require(SessionID("5e55a000-0000-4000-8000-000000000200"))
        let start = Timestamp.now()
        try store.open(id).append(.start(Session(id: id, initTimestamp: start, tags: [], hostEnv: .object([]),
                                                command: ["seq", "1", "200000"])))
        let handle = try #require(FileHandle(forWritingAtPath: store.path(of: id)))
        handle.seekToEndOfFile()
        var chunk = ""
        for line in 1...200_000 {
            let event = Event(id: "e\(line)", type: .actions, initTimestamp: start, endTimestamp: start, sessionID: id,
                              fields: [("action_type", .string("stdout")), ("logs", .string("line \(line)"))])
            chunk += String(decoding: JSONWriter.compact(StoreRecord.event(event).json), as: UTF8.self) + "\n"
            if line % 10_000 == 0 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        handle.closeFile()
        let environment = Harness.environment(home: home)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import subprocess, sys, time, resource
            t = time.time()
            p = subprocess.Popen([sys.argv[1], "show", "last", "--no-pager"], stdout=subprocess.PIPE)
            seen = 0
            while seen < 60:
                seen += p.stdout.readline().count(b"\\n")
            first = time.time() - t
            rest = sum(1 for _ in p.stdout)
            p.wait()
            print(first, seen + rest, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """, Harness.agentops]
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let numbers = text.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(numbers.count == 3, "\(text)")
        // 0.3 s on an idle machine with a release build; the debug build on a busy
        // machine gets more room, but far less than reading the whole log takes.
        #expect(numbers[0] < 2, "first screen after \(numbers[0]) s")
        #expect(numbers[1] > 200_000)
        #expect(numbers[2] < 120_000, "peak RSS \(numbers[2]) KiB")
    }

    @Test("show of a big ended session with late records after its end (100 KB, then 9 MB): ended, not Running")
    func showLateRecordAfterEnd() throws {
        let home = Harness.temporaryFolder()
        // Over `ShowCommand.summaryFirstLimit` (2 MiB): the header reads the log's ends only.
        let run = Harness.wrap(["-q", "sh", "-c", "yes 0123456789abcdef | head -c 3000000 >/dev/null; echo done"],
                               home: home)
        #expect(run.code == 0, "\(run.err)")
        let logs = try FileManager.default.contentsOfDirectory(atPath: home + "/sessions")
            .filter { $0.hasSuffix(".jsonl") }
        try #require(logs.count == 1)
        let id = String(logs[0].dropLast(".jsonl".count))
        var extra = RecordingCommandsTests.withTools(home)
        extra["AGENTOPS_SESSION_ID"] = id
        let late = Self.tool(["event", "action", "--type", "late", "--logs", String(repeating: "x", count: 100_000)],
                             home: home, extra: extra)
        #expect(late.code == 0, "\(late.err)")
        let show = Self.tool(["show", id, "--head", "0"], home: home)
        #expect(show.out.contains("state     Success: Command exited with code 0"), "\(show.out)")

        // More late records than a line's worth (90 × 100 KB) after the end: still ended.
        let path = home + "/sessions/\(id).jsonl"
        let log = try Data(contentsOf: URL(fileURLWithPath: path))
        let lastLine = log.dropLast().lastIndex(of: 0x0A).map { log[($0 + 1)...] } ?? log[...]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        for _ in 0..<90 { try handle.write(contentsOf: lastLine) }
        try handle.close()
        // Last written two minutes ago: a log written in the last minute counts as
        // running (`SessionActivity`), and is not read whole before the first screen.
        var times = [timeval(tv_sec: time(nil) - 120, tv_usec: 0), timeval(tv_sec: time(nil) - 120, tv_usec: 0)]
        #expect(utimes(path, &times) == 0)
        let behind = Self.tool(["show", id, "--head", "0"], home: home)
        #expect(behind.out.contains("state     Success: Command exited with code 0"), "\(behind.out)")
    }

    @Test("stats --by-model and --analytics; end prints the cost; event --started and --duration")
    func statsAndRecording() throws {
        let home = Harness.temporaryFolder()
        let script = """
        agentops event llm --model gpt-4o --prompt-tokens 1000 --completion-tokens 500 --duration '1m 30s' &&
        agentops event llm --model x-model --prompt-tokens 1 --completion-tokens 1 --cost 0.5 \\
            --started 2026-11-21T05:40:00Z --duration 1.5s &&
        agentops event tool --name t --started 2999-01-01T00:00:00Z; echo "future: $?"
        agentops end Success --reason done
        """
        let run = Harness.wrap(["-q", "sh", "-c", script], home: home, extra: RecordingCommandsTests.withTools(home))
        // gpt-4o: 1000 × 2.5e-6 + 500 × 1e-5 = 0.0075, plus 0.5.
        #expect(run.out == "future: 1\n0.5075\n", "\(run.out) \(run.err)")
        let export = try Harness.export(home: home)
        let llms = export.list("llms")
        let spans = llms.compactMap { row -> Double? in
            guard let start = row["init_timestamp"]?.stringValue.flatMap(Timestamp.init(iso8601:)),
                  let end = row["end_timestamp"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else { return nil }
            return start.seconds(until: end)
        }
        #expect(spans.sorted() == [1.5, 90])
        #expect(llms.contains { $0["init_timestamp"]?.stringValue == "2026-11-21T05:40:00.000000+00:00" })

        let byModel = try JSONParser.parse(Self.tool(["stats", "last", "--by-model"], home: home).stdout)
        guard case let .object(pairs) = byModel else { Issue.record("not an object"); return }
        #expect(pairs.map(\.0) == ["session_id", "cost", "events", "prompt_tokens", "completion_tokens", "errors",
                                   "models"])
        let models = byModel.list("models")
        #expect(models.compactMap { $0["model"]?.stringValue } == ["gpt-4o", "x-model"])
        #expect(models.first?["cost"] == .number("0.0075") && models.last?["cost"] == .number("0.5"))
        let plain = try JSONParser.parse(Self.tool(["stats", "last"], home: home).stdout)
        #expect(plain["models"] == nil)
        let analytics = try JSONParser.parse(Self.tool(["stats", "last", "--analytics"], home: home).stdout)
        guard case let .object(keys) = analytics else { Issue.record("not an object"); return }
        #expect(keys.map(\.0) == ["LLM calls", "Tool calls", "Actions", "Errors", "Duration", "Cost"])
        #expect(analytics["LLM calls"] == .int(2) && analytics["Cost"] == .string("0.507500"))
        #expect(analytics["Duration"]?.stringValue?.hasSuffix("s") == true)
    }

    @Test("prune --dry-run lists and keeps; -ny clusters; per-command --help; agentops-run -qt")
    func papercuts() throws {
        let home = try AgentOpsToolViewTests.store([(10, [], .success), (86400 * 40, [], .fail)])
        let dry = Self.tool(["prune", "--older-than", "30d", "-ny"], home: home)
        #expect(dry.code == 0)
        #expect(dry.out == "00000001-0000-4000-8000-000000000000\n")
        #expect(dry.err.contains("would remove 1 session"))
        #expect(try LocalStore(home: home).sessionIDs().count == 2)
        #expect(Self.tool(["prune", "--older-than", "1m 30s", "--yes"], home: home).code == 0)
        #expect(try LocalStore(home: home).sessionIDs().count == 1)

        for command in ["sessions", "show", "stats", "export", "prune", "sync", "event", "tags", "end"] {
            let help = Self.tool([command, "--help"], home: home)
            #expect(help.code == 0 && help.out.hasPrefix("usage: agentops \(command)"), "\(command): \(help.out)")
        }
        #expect(Self.tool(["event", "llm", "-h"], home: home).out.hasPrefix("usage: agentops event llm"))

        let tagged = Harness.temporaryFolder()
        let run = Harness.wrap(["-qt", "demo", "sh", "-c", "echo hi"], home: tagged)
        #expect(run.code == 0 && run.err.isEmpty, "\(run.err)")
        #expect(try Harness.export(home: tagged)["session"]?["tags"] == .array([.string("demo")]))
    }

    @Test("a command that is not found: one line naming PATH once")
    func notFound() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["no-such-command-xyz"], home: home, extra: ["PATH": "/usr/bin:/bin"])
        #expect(result.code == 127)
        #expect(result.err.components(separatedBy: "/usr/bin:/bin").count == 2, "\(result.err)")
        #expect(result.err.hasPrefix("agentops-run: no-such-command-xyz: command not found in PATH (/usr/bin:/bin)\n"))
    }

    /// `report -o PATH` renamed a temporary file over PATH, whatever stood there: as root,
    /// `report -o /dev/null` made the machine's `/dev/null` a regular file (hostile
    /// pass, round 14). Tried here on a link to the tool's own stdout and on a FIFO, not
    /// on `/dev/null`.
    @Test("report -o into a link to stdout or a FIFO writes into it and leaves it what it was")
    func reportIntoNonRegularFile() throws {
        let home = Harness.temporaryFolder()
        #expect(Harness.wrap(["-q", "echo", "hi"], home: home).code == 0)
        let link = home + "/stdout"
        #expect(symlink("/proc/self/fd/1", link) == 0)
        let linked = Self.tool(["report", "last", "-o", link], home: home)
        #expect(linked.code == 0, "\(linked.err)")
        #expect(linked.out.hasPrefix("<!DOCTYPE html>") && linked.out.hasSuffix("</html>\n"), "\(linked.out.prefix(80))")
        var info = stat()
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        // A FIFO no one reads: refused at once, and still a FIFO.
        let fifo = home + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let unread = Self.tool(["report", "last", "-o", fifo], home: home)
        #expect(unread.code == 1 && unread.err.contains(": a FIFO no one reads, or a socket"), "\(unread.err)")
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        // A link to a regular file: the link is replaced, the file it named untouched (it
        // is never opened for writing: a link swapped to one after a look at the path
        // had root write the report over its start, second hostile pass, round 14).
        let kept = home + "/kept.txt", linkToFile = home + "/to-file"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: kept))
        #expect(symlink(kept, linkToFile) == 0)
        #expect(Self.tool(["report", "last", "-o", linkToFile], home: home).code == 0)
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == "keep me")
        #expect(lstat(linkToFile, &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).filter { $0.contains(".tmp") }.isEmpty)
    }
}
