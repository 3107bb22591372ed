import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// `agentops sessions` over the session index: the same bytes whether it answers from
/// the index, rebuilds it, or folds a session that changed since.
@Suite("Session index: agentops sessions")
struct SessionIndexEndToEndTests {
    static func sessions(_ arguments: [String], home: String) throws -> String {
        var environment = Harness.environment(home: home, extra: ["TZ": "UTC", "COLUMNS": "200"])
        for key in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PAGER"] { environment.removeValue(forKey: key) }
        let result = Harness.run(Harness.agentops, ["sessions"] + arguments, environment: environment)
        try #require(result.code == 0, "\(result.err)")
        return result.out + result.err
    }

    @Test("output is identical with the index, without it, and after a session is appended to")
    func identical() throws {
        let home = Harness.temporaryFolder()
        let script = """
        echo out; echo err >&2
        agentops event llm --model gpt-4o --prompt-tokens 1000 --completion-tokens 500 --cost 0.0012345678
        agentops event llm --model gpt-4o-mini --prompt-tokens 10 --completion-tokens 10
        exit 3
        """
        let tools = RecordingCommandsTests.withTools(home)
        #expect(Harness.wrap(["-q", "-t", "one,two", "sh", "-c", script], home: home, extra: tools).code == 3)
        #expect(Harness.wrap(["-q", "-t", "two", "true"], home: home).code == 0)
        #expect(Harness.wrap(["-q", "sh", "-c", "agentops end Fail --reason no"], home: home,
                             extra: tools).code == 0)
        let index = SessionIndex(store: LocalStore(home: home)).path
        let views = [["-n", "0"], ["--json"], ["-t", "two"], ["--state", "fail"]]

        let folded = try views.map { try Self.sessions($0, home: home) }
        #expect(access(index, F_OK) == 0, "the first listing builds the index")
        let indexed = try views.map { try Self.sessions($0, home: home) }
        #expect(indexed == folded)
        #expect(folded[0].contains("3 sessions | Cost: $0.00") && folded[0].contains("| Failed: 2"),
                "\(folded[0])")
        #expect(unlink(index) == 0)
        #expect(try views.map { try Self.sessions($0, home: home) } == folded)

        // Appended to: a tag added and the table changes, from the index as from the logs.
        let newest = try #require(try LocalStore(home: home).summaries().first).session.id
        let tagged = Harness.run(Harness.agentops, ["tags", "add", "three", "--session-id", newest.value],
                                 environment: Harness.environment(home: home))
        #expect(tagged.code == 0, "\(tagged.err)")
        let appended = try views.map { try Self.sessions($0, home: home) }
        #expect(appended != folded && appended[0].contains("three"), "\(appended[0])")
        #expect(unlink(index) == 0)
        #expect(try views.map { try Self.sessions($0, home: home) } == appended)
    }
    @Test("a row edited by hand moves no session and changes no total; a blocked save is one warning, stdout clean")
    func editedRowAndBlockedSave() throws {
        let home = Harness.temporaryFolder()
        let tools = RecordingCommandsTests.withTools(home)
        for cost in ["0.5", "0.25"] {
            let script = "agentops event llm --model m --prompt-tokens 1 --completion-tokens 1 --cost \(cost)"
            #expect(Harness.wrap(["-q", "sh", "-c", script], home: home, extra: tools).code == 0)
        }
        var environment = Harness.environment(home: home, extra: ["TZ": "UTC", "COLUMNS": "200"])
        for key in ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "PAGER"] { environment.removeValue(forKey: key) }
        let listed = { (arguments: [String]) in Harness.run(Harness.agentops, ["sessions"] + arguments,
                                                            environment: environment) }
        let table = listed([])
        #expect(table.code == 0 && table.err.isEmpty && table.out.contains("2 sessions | Cost: $0.750000"),
                "\(table.out)\(table.err)")
        let json = listed(["--json"])

        // The older session made the newest and dear, in the index only.
        let index = SessionIndex(store: LocalStore(home: home)).path
        let text = try #require(Descriptors.readSmallFile(index))
        let edited = text.split(separator: "\n").map { line in
            guard line.contains("\"recorded_cost\":\"0.5\"") else { return String(line) }
            return line.replacingOccurrences(of: "\"recorded_cost\":\"0.5\"", with: "\"recorded_cost\":\"9.5\"")
                .replacingOccurrences(of: #""start_us":1"#, with: #""start_us":2"#)
        }.joined(separator: "\n") + "\n"
        #expect(edited.contains("9.5") && edited.contains(#""start_us":2"#))
        try edited.write(toFile: index, atomically: false, encoding: .utf8)
        let afterEdit = listed([])
        #expect(afterEdit.out == table.out && afterEdit.err.isEmpty, "\(afterEdit.out)\(afterEdit.err)")

        // A symbolic link where the rewritten rows go: one warning per command, the
        // link's target never created, the JSON on stdout as it was.
        #expect(unlink(index) == 0)
        let temporary = index + ".tmp", target = home + "/elsewhere"
        #expect(symlink(target, temporary) == 0)
        for (arguments, expected) in [([], table.out), (["--json"], json.out)] {
            let blocked = listed(arguments)
            #expect(blocked.code == 0 && blocked.out == expected, "\(blocked.err)")
            #expect(blocked.err == "agentops: warning: cannot save the session index: \(temporary): it is a symbolic "
                + "link, which is never followed (remove it); until it can, every listing reads each new or changed "
                + "log again\n")
        }
        #expect(access(target, F_OK) != 0 && access(index, F_OK) != 0)
        #expect(unlink(temporary) == 0)
        #expect(listed([]).err.isEmpty && access(index, F_OK) == 0)
    }

    @Test("prune lists as sessions does: a blocked index save is one warning, and the pruning goes on")
    func pruneSaysBlockedSave() throws {
        let home = Harness.temporaryFolder()
        for _ in 0..<2 { #expect(Harness.wrap(["-q", "true"], home: home).code == 0) }
        let index = SessionIndex(store: LocalStore(home: home)).path
        let temporary = index + ".tmp"
        #expect(symlink(home + "/elsewhere", temporary) == 0)
        let pruned = Harness.run(Harness.agentops, ["prune", "--keep", "1", "-y"],
                                 environment: Harness.environment(home: home))
        #expect(pruned.code == 0)
        #expect(pruned.err == "agentops: warning: cannot save the session index: \(temporary): it is a symbolic "
            + "link, which is never followed (remove it); until it can, every listing reads each new or changed "
            + "log again\nagentops: removed 1 session\n")
        #expect(try LocalStore(home: home).sessionIDs().count == 1)
        #expect(access(index, F_OK) != 0)
    }
}
