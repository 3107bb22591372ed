import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("What a run records")
struct RecordingTests {
    @Test("stdout lines become actions, stderr lines errors, with the protocol's fields")
    func eventsAndFields() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["-t", "demo,ci", "--tag", "nightly", "sh", "-c",
                                   "echo one; sleep 0.3; echo two; echo oops >&2; sleep 0.3; printf 'tail'"],
                                  home: home, extra: ["AGENTOPS_DEFAULT_TAGS": "team-a, ci"])
        #expect(result.code == 0)
        let export = try Harness.export(home: home)
        let session = try #require(export["session"])
        let id = try #require(session["id"]?.stringValue)
        #expect(session["tags"] == .array(["demo", "ci", "nightly", "team-a"].map { .string($0) }))
        #expect(session["end_state"]?.stringValue == "Success")
        #expect(session["project_id"] == .null)
        #expect(session["command"]?.arrayValue?.first?.stringValue == "sh")
        #expect(session["host_env"]?["OS"]?["OS"]?.stringValue == "Linux")

        let actions = export.list("actions")
        #expect(actions.map { $0["logs"]?.stringValue ?? "" } == ["one", "two", "tail"])
        for action in actions {
            #expect(action["action_type"]?.stringValue == "stdout")
            #expect(action["session_id"]?.stringValue == id)
            #expect(action["id"]?.stringValue.flatMap(SessionID.init) != nil)
            let start = try #require(action["init_timestamp"]?.stringValue.flatMap(Timestamp.init(iso8601:)))
            let end = try #require(action["end_timestamp"]?.stringValue.flatMap(Timestamp.init(iso8601:)))
            #expect(start <= end)
        }
        let errors = export.list("errors")
        #expect(errors.count == 1)
        #expect(errors.first?["error_type"]?.stringValue == "stderr")
        #expect(errors.first?["details"]?.stringValue == "oops")
        #expect(errors.first?["timestamp"] == errors.first?["init_timestamp"])

        #expect(result.err.contains("agentops-run: session \(id) Success: Command exited with code 0"))
        let stats = result.err.split(separator: "\n").last.map(String.init) ?? ""
        #expect(stats.hasPrefix("agentops-run: Session Stats - Duration: 0."))
        #expect(stats.hasSuffix("s | Cost: $0.00 | LLMs: 0 | Tools: 0 | Actions: 3 | Errors: 1"))
    }

    @Test("a burst of lines is grouped into few events, keeping every line in order")
    func burstGrouping() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["-q", "seq", "1", "100000"], home: home)
        #expect(result.code == 0)
        let actions = try Harness.export(home: home).list("actions")
        #expect(actions.count < 50)
        let lines = actions.compactMap { $0["logs"]?.stringValue }.joined(separator: "\n")
        #expect(lines == (1...100_000).map(String.init).joined(separator: "\n"))
    }

    @Test("invalid UTF-8 is recorded lossily and an overlong line is cut with an exact marker")
    func lossyAndCut() throws {
        let home = Harness.temporaryFolder()
        let script = "import sys; o = sys.stdout.buffer; o.write(b'bad \\xff\\xfe end\\n'); "
            + "o.write(b'x' * 100000 + b'\\n')"
        let result = Harness.wrap(["-q", "python3", "-c", script], home: home)
        #expect(result.stdout.count == 11 + 100_001)
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
            .joined(separator: "\n").split(separator: "\n")
        #expect(logs.first == "bad \u{FFFD}\u{FFFD} end")
        let cut = 100_000 - CaptureLimits.standard.maxLineBytes
        #expect(logs.last == Substring(String(repeating: "x", count: CaptureLimits.standard.maxLineBytes)
            + BurstGrouper.cutMarker(droppedBytes: cut)))
    }

    @Test("the command gets AGENTOPS_SESSION_ID; a nested run joins and records each line once")
    func nestedRunsJoin() throws {
        let home = Harness.temporaryFolder()
        let inner = ["sh", "-c", "echo inner-out; echo inner-err >&2; echo $AGENTOPS_SESSION_ID"]
        let result = Harness.wrap(["--", Harness.agentopsRun, "-t", "inner-tag", "--"] + inner, home: home)
        #expect(result.code == 0)
        let ids = try LocalStore(home: home).sessionIDs()
        #expect(ids.count == 1)
        let export = try Harness.export(home: home)
        let id = try #require(export["session"]?["id"]?.stringValue)
        #expect(result.out == "inner-out\n\(id)\n")
        let logs = export.list("actions").filter { $0["action_type"]?.stringValue == "stdout" }
            .compactMap { $0["logs"]?.stringValue }.joined(separator: "\n")
        #expect(logs == "inner-out\n\(id)")
        let details = export.list("errors").compactMap { $0["details"]?.stringValue }
        #expect(details == ["inner-err"])
        let steps = export.list("actions").filter { $0["action_type"]?.stringValue == "command" }
        #expect(steps.count == 1)
        #expect(steps.first?["returns"]?.stringValue == "command exited with code 0")
        #expect(export["session"]?["tags"] == .array([.string("inner-tag")]))
        #expect(result.err.components(separatedBy: "Session Stats").count == 2, "only the owner prints stats")
    }

    @Test("--session-id joins a session; --new-session starts one even inside a run")
    func explicitJoinAndNew() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "echo", "first"], home: home)
        let first = try #require(Harness.export(home: home)["session"]?["id"]?.stringValue)
        let joined = Harness.wrap(["-q", "--session-id", first.uppercased(), "echo", "second"], home: home)
        #expect(joined.code == 0)
        let export = try Harness.export(first, home: home)
        let logs = export.list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs.contains("second"))
        #expect(export["session"]?["end_state"]?.stringValue == "Success")

        let fresh = Harness.wrap(["-q", "--new-session", "echo", "third"], home: home,
                                 extra: ["AGENTOPS_SESSION_ID": first])
        #expect(fresh.code == 0)
        #expect(try LocalStore(home: home).sessionIDs().count == 2)
    }

    @Test("AGENTOPS_ENV_DATA_OPT_OUT keeps only OS, working directory and virtual environment")
    func environmentOptOut() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "true"], home: home, extra: ["AGENTOPS_ENV_DATA_OPT_OUT": "true"])
        guard case let .object(sections)? = try Harness.export(home: home)["session"]?["host_env"] else {
            Issue.record("no host_env")
            return
        }
        #expect(sections.map(\.0) == ["SDK", "OS", "Project Working Directory", "Virtual Environment"])
    }

    @Test("the store and its files are readable by their owner only")
    func ownerOnly() throws {
        let home = Harness.temporaryFolder() + "/store"
        _ = Harness.wrap(["-q", "true"], home: home)
        var info = stat()
        stat(home, &info)
        #expect(info.st_mode & 0o777 == 0o700)
        let id = try #require(try LocalStore(home: home).sessionIDs().first)
        stat(LocalStore(home: home).path(of: id), &info)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    @Test("a store that cannot be written warns once and changes nothing for the command")
    func unwritableStore() {
        let result = Harness.wrap(["sh", "-c", "echo fine; exit 7"], home: "/proc/no-such-place")
        #expect(result.code == 7)
        #expect(result.out == "fine\n")
        #expect(result.err.components(separatedBy: "warning:").count == 2)
        #expect(result.err.contains("Actions: 1"))
    }

    @Test("--no-capture passes output through, records none, still ends the session")
    func noCapture() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["--no-capture", "sh", "-c", "echo out; echo err >&2; exit 4"], home: home)
        #expect(result.code == 4)
        #expect(result.out == "out\n" && result.err.hasPrefix("err\n"))
        let export = try Harness.export(home: home)
        #expect(export.list("actions").isEmpty && export.list("errors").isEmpty)
        #expect(export["session"]?["end_state"] == .string("Fail"))
        #expect(result.err.contains("Actions: 0 | Errors: 0"))
    }

    @Test("under --no-capture a nested run records its own command's output")
    func noCaptureNested() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["--no-capture", "--", Harness.agentopsRun, "--", "sh", "-c", "echo inner"], home: home)
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs == ["sh -c 'echo inner'", "inner"], "the nested step starts before its line")
    }

    @Test("--event-window 0 records one event per line; a long window groups slow lines")
    func eventWindow() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "--event-window", "0", "seq", "1", "5"], home: home)
        #expect(try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
            == ["1", "2", "3", "4", "5"])
        _ = Harness.wrap(["-q", "--event-window", "5s", "sh", "-c", "echo a; sleep 0.3; echo b"], home: home)
        #expect(try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue } == ["a\nb"])
        #expect(Harness.wrap(["--event-window", "soon", "true"], home: home).code == 125)
    }

    @Test("--video is recorded as the session's video")
    func video() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "--video", "https://example.com/run.mp4", "true"], home: home)
        #expect(try Harness.export(home: home)["session"]?["video"] == .string("https://example.com/run.mp4"))
    }
}
