import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// Issue 12: absurd numbers, durations and text from outside are refused where they
/// enter, summed without trapping, and printed without reaching the terminal raw.
@Suite("Hostile input")
struct HardeningTests {
    /// A recorded session (`true`), and its file for hand-editing.
    static func session() throws -> (home: String, path: String) {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["-q", "true"], home: home)
        try #require(result.code == 0, "\(result.err)")
        let id = try #require(LocalStore(home: home).sessionIDs().first)
        return (home, LocalStore(home: home).path(of: id))
    }

    static func append(_ line: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data((line + "\n").utf8))
        handle.closeFile()
    }

    static func llmLine(session: String, _ numbers: String) -> String {
        """
        {"record":"event","event":{"id":"\(UUID().uuidString.lowercased())","event_type":"llms",\
        "init_timestamp":"2026-01-01T00:00:00.000000+00:00","end_timestamp":"2026-01-01T00:00:00.000000+00:00",\
        "session_id":"\(session)","model":"gpt-4o",\(numbers)}}
        """
    }

    @Test("token counts over 10^12 are refused by agentops event; the run and every reader survive")
    func hugeTokensThroughTheTool() throws {
        let home = Harness.temporaryFolder()
        let script = """
        agentops event llm --model x --prompt-tokens 5000000000000000000 --completion-tokens 0; echo "a=$?"
        agentops event llm --model x --prompt-tokens 1000000000001 --completion-tokens 0; echo "b=$?"
        agentops event llm --model x --prompt-tokens 1e400 --completion-tokens 0; echo "c=$?"
        agentops event llm --model x --prompt-tokens 1000000000000 --completion-tokens 1000000000000; echo "d=$?"
        agentops event llm --model x --prompt-tokens 1 --completion-tokens 1 --cost 1e400; echo "e=$?"
        agentops event llm --model x --prompt-tokens 1 --completion-tokens 1 \
            --cost 0.123456789012345678901234567890123456789; echo "f=$?"
        """
        let result = Harness.wrap(["sh", "-c", script], home: home, extra: RecordingCommandsTests.withTools(home))
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == "a=1\nb=1\nc=1\nd=0\ne=1\nf=1\n")
        #expect(result.err.contains("agentops: invalid value '5000000000000000000' for --prompt-tokens: "
            + "expected a whole number from 0 to 1000000000000"), "\(result.err)")
        #expect(result.err.contains("for --cost: expected an amount in USD from 0 to 1000000000"), "\(result.err)")
        #expect(result.err.contains("LLMs: 1 |"), "\(result.err)")
        for command in [["sessions"], ["show", "last"], ["export", "last"], ["stats", "last"], ["prune", "--keep", "5"]] {
            #expect(Harness.tool(command, home: home).code == 0, "\(command)")
        }
    }

    @Test("a reader never traps on numbers hand-edited into a session file")
    func handEditedNumbers() throws {
        let (home, path) = try Self.session()
        let id = try #require(LocalStore(home: home).sessionIDs().first?.value)
        for numbers in [
            #""prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807,"cost":null"#,
            #""prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807,"cost":null"#,
            #""prompt_tokens":1e400,"completion_tokens":-5,"cost":1e400"#,
            #""prompt_tokens":-9223372036854775808,"completion_tokens":5,"cost":-3"#,
            #""prompt_tokens":99999999999999999999999,"completion_tokens":1,"cost":"1e999999""#,
        ] {
            try Self.append(Self.llmLine(session: id, numbers), to: path)
        }
        for command in [["sessions"], ["sessions", "--json"], ["show", "last"], ["export", "last"],
                        ["export", "last", "--format", "jsonl"], ["stats", "last"]] {
            let result = Harness.tool(command, home: home)
            #expect(result.code == 0 && result.signal == nil, "\(command): \(result.err)")
            #expect(!result.out.contains("$-"), "\(command): a negative cost")
        }
        let stats = try JSONParser.parse(Harness.tool(["stats", "last"], home: home).stdout)
        // Every count above is absurd (over 10^12: the two Int.max were summed, saturated,
        // to Int.max before round 12's hostile pass) or negative: none counts.
        #expect(stats["prompt_tokens"] == .int(0) && stats["events"] == .int(5), "\(stats)")
    }

    @Test("LLM events with absurd or negative numbers get 400 from the listener; the run survives")
    func listenerNumbers() throws {
        let home = Harness.temporaryFolder()
        let (result, seen) = try Harness.probe("listener_numbers.py", home: home)
        #expect(seen["huge"] == .int(400) && seen["huge_again"] == .int(400) && seen["negative"] == .int(400)
            && seen["overflowing_cost"] == .int(400) && seen["long_cost"] == .int(400) && seen["fine"] == .int(200)
            && seen["update"] == .int(200), "\(result.out)")
        #expect(seen["negative_message"]?.stringValue?.contains("prompt_tokens") == true, "\(result.out)")
        #expect(seen["token_cost"] == .string("0.0075"), "\(result.out)")
        let stats = try JSONParser.parse(Harness.tool(["stats", "last"], home: home).stdout)
        #expect(stats["prompt_tokens"] == .int(1000) && stats["completion_tokens"] == .int(500))
    }

    @Test("out-of-range durations are usage errors before anything starts", arguments: [
        ["--event-window", "107000000d"], ["--timeout", "99999999999d"], ["--kill-after", "1e400"],
        ["--flush-timeout", "999999999999999999999999"], ["--timeout", "1s1s"], ["--timeout", "5m1h"],
        ["--timeout", "-1"], ["--timeout", "١٠s"],
    ])
    func runDurations(_ option: [String]) throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(option + ["--", "sh", "-c", "echo ran"], home: home)
        #expect(result.code == 125 && result.signal == nil, "\(option): \(result.err)")
        #expect(result.out.isEmpty && result.err.split(separator: "\n").count == 1, "\(option): \(result.err)")
        #expect(result.err.contains("invalid value '\(option[1])' for \(option[0])"), "\(result.err)")
        #expect(try LocalStore(home: home).sessionIDs().isEmpty)
    }

    @Test("malformed or out-of-range settings in the environment are usage errors (125), nothing started",
          arguments: ["abc", "99999999999d", "0"])
    func listenerTimeoutVariable(_ value: String) throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["sh", "-c", "echo ran"], home: home, extra: ["AGENTOPS_RUN_LISTENER_TIMEOUT": value])
        #expect(result.code == 125, "\(result.err)")
        #expect(result.err == "agentops-run: invalid value '\(value)' for AGENTOPS_RUN_LISTENER_TIMEOUT: expected "
            + "a duration over 0 such as 10s (at most 36500d)\n", "\(result.err)")
        #expect(try LocalStore(home: home).sessionIDs().isEmpty)
    }

    @Test("agentops: impossible --since values and durations are usage errors (2)", arguments: [
        ["sessions", "--since", "99999999999d"], ["sessions", "--since", "2026-13-45"],
        ["sessions", "--since", "2026-02-30"], ["sessions", "--since", "2026-01-01T25:00:00Z"],
        ["prune", "--older-than", "1e400"], ["prune", "--older-than", "1d1d"],
        ["sync", "--timeout", "99999999999d"],
    ])
    func toolDurations(_ arguments: [String]) throws {
        let (home, _) = try Self.session()
        let result = Harness.tool(arguments, home: home)
        #expect(result.code == 2 && result.signal == nil, "\(arguments): \(result.err)")
        #expect(result.err.hasPrefix("agentops: invalid value '\(arguments[2])' for \(arguments[1])"), "\(result.err)")
        #expect(result.err.split(separator: "\n").count == 1, "\(result.err)")
        #expect(try LocalStore(home: home).sessionIDs().count == 1)
    }

    @Test("AGENTOPS_PARENT_KEY that is not a UUID: one line, usage error")
    func parentKey() throws {
        let (home, _) = try Self.session()
        var env = Harness.environment(home: home, extra: [
            "AGENTOPS_API_KEY": SyncTests.key, "AGENTOPS_PARENT_KEY": "notauuid",
            "AGENTOPS_API_ENDPOINT": "http://127.0.0.1:9",
        ])
        env["AGENTOPS_RUN_LISTENER"] = nil
        let result = Harness.run(Harness.agentops, ["sync"], environment: env)
        #expect(result.code == 2, "\(result.err)")
        #expect(result.err == "agentops: AGENTOPS_PARENT_KEY is not a UUID\n", "\(result.err)")
    }

    @Test("tool --params nested deeper than readers accept is refused (exit 1), nothing written")
    func deepJSON() throws {
        let home = Harness.temporaryFolder()
        let deep = String(repeating: "[", count: 511) + String(repeating: "]", count: 511)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let script = """
        agentops event tool --name deep --params '\(deep)'; echo "deep=$?"
        agentops event tool --name deep --returns '\(deep)'; echo "returns=$?"
        agentops event tool --name fine --params '\(fine)'; echo "fine=$?"
        """
        let result = Harness.wrap(["sh", "-c", script], home: home, extra: RecordingCommandsTests.withTools(home))
        #expect(result.out == "deep=1\nreturns=1\nfine=0\n", "\(result.err)")
        #expect(result.err.contains("agentops: --params is nested 511 levels deep; "
            + "at most \(JSONParser.maxNesting - 2) are recorded"), "\(result.err)")
        let export = Harness.tool(["export", "last"], home: home)
        #expect(!export.err.contains("warning"), "\(export.err)")
        let json = try JSONParser.parse(export.stdout)
        #expect(json.list("tools").count == 1)
    }

    @Test("control characters in tags and text are shown escaped; the table keeps one line per session")
    func terminalEscapes() throws {
        let home = Harness.temporaryFolder()
        let script = #"agentops tags add "$(printf 'evil\033[2J\033]0;pwned\007\nrow')"; "#
            + #"agentops event action --type "$(printf 'x\033[31m')" --logs "$(printf 'a\033c\tb')""#
        let result = Harness.wrap(["-q", "-t", "ok", "sh", "-c", script], home: home,
                                  extra: RecordingCommandsTests.withTools(home))
        #expect(result.code == 0, "\(result.err)")
        let table = Harness.tool(["sessions"], home: home)
        #expect(!table.stdout.contains(0x1B) && !table.stdout.contains(0x07), "\(table.out)")
        // The header, the one session on one line, and the totals line.
        #expect(table.out.split(separator: "\n").count == 3, "\(table.out)")
        #expect(table.out.contains(#"evil\e[2J\e]0;pwned\x07\nrow"#), "\(table.out)")
        let show = Harness.tool(["show", "last"], home: home)
        #expect(!show.stdout.contains(0x1B) && !show.stdout.contains(0x07), "\(show.out)")
        #expect(show.out.contains(#"x\e[31m"#) && show.out.contains(#"a\ec"#), "\(show.out)")
        // Scripts get the exact text.
        let json = try JSONParser.parse(Harness.tool(["sessions", "--json"], home: home).stdout)
        #expect(json.arrayValue?.first?["tags"]?.arrayValue?.contains(.string("evil\u{1B}[2J\u{1B}]0;pwned\u{07}\nrow"))
            == true)
    }
}

@Suite("File size limit", .serialized)
struct FileSizeLimitTests {
    /// SIGXFSZ's bit in /proc's SigIgn mask.
    static let bit: UInt64 = 1 << (UInt64(SIGXFSZ) - 1)

    @Test("over ulimit -f, agentops-run survives: the output passes whole, the exit is the command's")
    func fileSizeLimit() throws {
        let home = Harness.temporaryFolder()
        let script = "ulimit -f 8; exec \(Harness.agentopsRun) -- sh -c "
            + "'grep SigIgn /proc/self/status >&2; seq 1 200000; exit 6'"
        let result = Harness.run("/bin/sh", ["-c", script], environment: Harness.environment(home: home))
        #expect(result.signal == nil && result.code == 6, "\(result.err)")
        let expected = (1...200_000).map(String.init).joined(separator: "\n") + "\n"
        #expect(result.stdout.count == expected.utf8.count)
        #expect(result.out == expected)
        // The command's SIGXFSZ is not ignored (the wrapper's handler is reset by exec).
        let line = try #require(result.err.split(separator: "\n").first { $0.hasPrefix("SigIgn:") })
        let mask = try #require(UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16))
        #expect(mask & Self.bit == 0, "\(line)")
        #expect(result.err.contains("agentops-run: warning: recording to the"), "\(result.err)")
    }

    @Test("SIGXFSZ ignored when agentops-run starts stays ignored for the command")
    func inheritedIgnore() throws {
        let home = Harness.temporaryFolder()
        let script = "trap '' XFSZ; exec \(Harness.agentopsRun) -q -- sh -c 'grep SigIgn /proc/self/status'"
        let result = Harness.run("/bin/sh", ["-c", script], environment: Harness.environment(home: home))
        #expect(result.code == 0, "\(result.err)")
        let mask = try #require(UInt64(result.out.dropFirst(7).trimmingCharacters(in: .whitespacesAndNewlines),
                                       radix: 16))
        #expect(mask & Self.bit != 0, "\(result.out)")
    }
}

@Suite("Listener under abuse")
struct ListenerAbuseTests {
    @Test("idle connections and huge bodies neither lock the SDK out nor take the wrapper past 256 MiB")
    func abuse() throws {
        let home = Harness.temporaryFolder()
        let (result, seen) = try Harness.probe("listener_abuse.py", home: home, timeout: 120)
        // 32 MiB is over create_events' limit: refused before a byte of it is read.
        #expect(seen["huge"]?.arrayValue?.allSatisfy { $0 == .int(413) || $0 == .null } == true, "\(result.out)")
        // 7 MiB batches fit the limit; the body budget lets some through, the rest get 503.
        let big = seen["big"]?.arrayValue ?? []
        #expect(big.contains(.int(200)) && big.allSatisfy { $0 == .int(200) || $0 == .int(503) }, "\(result.out)")
        #expect(seen["create_session"] == .int(200) && seen["create_events"] == .int(200), "\(result.out)")
        #expect(seen["unauthorised_huge"] == .int(401), "\(result.out)")
        let peak = try #require(seen["peak_rss_kib"]?.intValue)
        #expect(peak < 256 << 10, "peak RSS \(peak) KiB")
        let export = try Harness.export(home: home)
        #expect(export.list("actions").contains { $0["action_type"] == .string("ok") })
    }
}
