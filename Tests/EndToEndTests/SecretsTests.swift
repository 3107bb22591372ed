import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("Secrets stay out of what is recorded")
struct SecretsTests {
    static let token = "supersecretvalue123"
    static let apiKey = "6f1c0e2a-5b7d-4c3e-9a8b-2d1e0f9c8b7a"

    @Test("environment secrets and the API key: on the terminal, never in the session file")
    func environmentSecrets() throws {
        let home = Harness.temporaryFolder()
        let script = "echo token=$MY_API_TOKEN key=$AGENTOPS_API_KEY short=$SHORT_KEY; echo \"$MY_PASSWORD\" >&2; exit 3"
        let result = Harness.wrap(["--tag", Self.token, "sh", "-c", script, Self.token], home: home,
                                  extra: ["MY_API_TOKEN": Self.token, "AGENTOPS_API_KEY": Self.apiKey,
                                          "SHORT_KEY": "abc", "MY_PASSWORD": "hunter2hunter2"])
        #expect(result.out == "token=\(Self.token) key=\(Self.apiKey) short=abc\n")
        #expect(result.err.hasPrefix("hunter2hunter2\n"))
        let id = try #require(try LocalStore(home: home).sessionIDs().first)
        let raw = try String(contentsOfFile: LocalStore(home: home).path(of: id), encoding: .utf8)
        for secret in [Self.token, Self.apiKey, "hunter2hunter2"] {
            #expect(!raw.contains(secret), "\(secret) was recorded")
        }
        #expect(!result.err.contains(Self.apiKey))
        let export = try Harness.export(home: home)
        #expect(export.list("actions").first?["logs"] == .string("token=[REDACTED] key=[REDACTED] short=abc"))
        #expect(export.list("errors").first?["details"] == .string("[REDACTED]"))
        #expect(export["session"]?["command"]?.arrayValue?.last == .string("[REDACTED]"))
        #expect(export["session"]?["tags"] == .array([.string("[REDACTED]")]))
    }

    /// A secret whose bytes are not all UTF-8, or that holds a character of plane 16's
    /// last private-use block: the shell makes it (Swift strings cannot hold such bytes).
    @Test("a secret that is not UTF-8 is redacted in the tag, the command, stdout and stderr",
          arguments: [#"caf\351-secretvalue"#, #"abcdefgh\377"#, #"\364\217\274\200abcdefgh"#])
    func secretNotUTF8(printfSecret: String) throws {
        let home = Harness.temporaryFolder()
        let shell = #"S="$(printf '"# + printfSecret + #"')"; MY_TOKEN="$S" exec "$0" -q -t "$S" -- "#
            + #"sh -c 'printf "%s\n" "$1"; printf "%s\n" "$1" >&2' sh "$S""#
        let result = Harness.run("/bin/sh", ["-c", shell, Harness.agentopsRun], environment: Harness.environment(home: home))
        #expect(result.code == 0, "\(result.err)")
        let export = try Harness.export(home: home)
        #expect(export.list("actions").first?["logs"] == .string("[REDACTED]"))
        #expect(export.list("errors").first?["details"] == .string("[REDACTED]"))
        #expect(export["session"]?["command"]?.arrayValue?.last == .string("[REDACTED]"))
        #expect(export["session"]?["tags"] == .array([.string("[REDACTED]")]))
    }

    @Test("a secret crossing the 64 KiB line cut is redacted whole, never recorded in part", arguments: [-5, 0, 3])
    func secretAtTheCut(offset: Int) throws {
        let home = Harness.temporaryFolder()
        let padding = (64 << 10) + offset
        let script = "printf '%\(padding)s' '' | tr ' ' a; printf '%s\\n' \"$MY_API_TOKEN\""
        let result = Harness.wrap(["sh", "-c", script], home: home, extra: ["MY_API_TOKEN": Self.token])
        #expect(result.code == 0)
        #expect(result.stdout.count == padding + Self.token.utf8.count + 1)
        let id = try #require(try LocalStore(home: home).sessionIDs().first)
        let raw = try String(contentsOfFile: LocalStore(home: home).path(of: id), encoding: .utf8)
        #expect(!raw.contains("aaasuper"), "a part of the secret was recorded")
        #expect(raw.contains("bytes")  // the cut marker names what was left out
            || raw.contains("[REDACTED]"))
    }

    @Test("--redact adds patterns; an invalid one is a usage error")
    func patterns() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["--redact", "sk-[a-z0-9]{6,}", "--redact", "ghp_\\w+", "sh", "-c",
                                   "echo use sk-abc123def and ghp_XyZ9 not sk-ab"], home: home)
        #expect(result.out == "use sk-abc123def and ghp_XyZ9 not sk-ab\n")
        #expect(try Harness.export(home: home).list("actions").first?["logs"]
            == .string("use [REDACTED] and [REDACTED] not sk-ab"))
        #expect(Harness.wrap(["--redact", "(unclosed", "true"], home: home).code == 125)
    }

    /// A pattern that backtracks without end held the command's next line back for 98 s
    /// (redaction runs between the pump's reads), and one that matches the empty string
    /// put `[REDACTED]` between every two characters of every field, the stream's name
    /// too (hostile pass, round 13).
    @Test("--redact: a pattern stopped after 100 ms withholds that text; empty matches hide nothing")
    func slowAndEmptyPatterns() throws {
        let home = Harness.temporaryFolder()
        let script = "import sys, time; print('a' * 100 + '!'); sys.stdout.flush(); time.sleep(0.3); print('next')"
        let slow = Harness.wrap(["-q", "--redact", "(a+)+$", "python3", "-c", script], home: home, timeout: 60)
        #expect(slow.code == 0 && slow.out == String(repeating: "a", count: 100) + "!\nnext\n")
        #expect(slow.seconds < 10, "the command's output was held back \(slow.seconds) s")
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs.first == Redactor.withheld, "\(logs)")
        #expect(!logs.contains { $0.contains("aaaa") })
        let other = Harness.temporaryFolder()
        let empty = Harness.wrap(["-q", "--redact", "x*", "sh", "-c", "echo axxb"], home: other)
        #expect(empty.code == 0 && empty.out == "axxb\n")
        let actions = try Harness.export(home: other).list("actions")
        #expect(actions.first?["logs"] == .string("a[REDACTED]b"), "\(actions)")
        #expect(actions.first?["action_type"] == .string("stdout"))
    }

    /// The patterns were the run's alone: what the command recorded itself kept every
    /// match (hostile pass, round 13).
    @Test("--redact patterns also hide what the command records with agentops event, tags add and end, and in a nested run")
    func patternsInherited() throws {
        let home = Harness.temporaryFolder()
        let extra = ["PATH": Harness.binFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/bin")]
        let script = """
        agentops event action --type sec1 --logs "x sec2 y" && agentops tags add sec5 \
        && agentops event tool --name t --params '{"sec6":1}' && agentops-run -q -- sh -c 'echo sec7' \
        && agentops end Fail --reason "r sec3"; echo sec4
        """
        let result = Harness.wrap(["-q", "--redact", "sec[0-9]", "sh", "-c", script], home: home, extra: extra)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.hasPrefix("sec7\n") && result.out.hasSuffix("sec4\n"), "\(result.out)")
        let store = try LocalStore(home: home)
        let id = try #require(try store.sessionIDs().first)
        let bytes = try #require(FileManager.default.contents(atPath: store.path(of: id)))
        let raw = String(decoding: bytes, as: UTF8.self)
        #expect(!raw.contains("sec"), "\(raw)")
        #expect(raw.contains("[REDACTED]"))
        // A nested run's own patterns cannot reach the output the outer run records: it
        // says so (third hostile pass, round 13).
        let nested = Harness.wrap(["-q", "sh", "-c", "agentops-run -q --redact 'hunter[0-9]+' -- echo hunter22"],
                                  home: Harness.temporaryFolder(), extra: extra)
        #expect(nested.err.contains("--redact does not reach the output the outer run records"), "\(nested.err)")
        // Patterns over 128 KiB: not handed down, with a word; the command still runs.
        let many = (0..<3000).flatMap { ["--redact", "secret-pattern-number-\($0)-[a-z]{40}-long-enough"] }
        let big = Harness.wrap(["-q"] + many + ["sh", "-c", "echo ran"], home: Harness.temporaryFolder(), timeout: 120)
        #expect(big.code == 0 && big.out == "ran\n", "\(big.err)")
        #expect(big.err.contains("over 128 KiB, too long to hand to the command"), "\(big.err)")
        // A pattern that does not compile is named as the variable's.
        let uncompiled = Harness.wrap(["-q", "sh", "-c", "AGENTOPS_RUN_REDACT='[\"(\"]' agentops event action --type t --logs x"],
                                      home: home, extra: extra)
        #expect(uncompiled.err.contains("for AGENTOPS_RUN_REDACT"), "\(uncompiled.err)")
        // A value no run wrote: refused, nothing recorded.
        let broken = Harness.wrap(["-q", "sh", "-c", "AGENTOPS_RUN_REDACT='[1' agentops event action --type t --logs sec9"],
                                  home: home, extra: extra)
        #expect(broken.err.contains("AGENTOPS_RUN_REDACT"), "\(broken.err)")
        #expect(try Harness.export(home: home).list("actions").allSatisfy { $0["logs"] != .string("sec9") })
    }

    /// A pattern for one line matched or not by how fast the lines came (an event holds
    /// the lines of one --event-window), and the 100 ms were each pattern's: sixty
    /// patterns of 90 ms each held every event back 5 s (second hostile pass, round 13).
    @Test("--redact: ^ and $ match at each line of an event; the patterns share one time limit")
    func linesAndSharedLimit() throws {
        let home = Harness.temporaryFolder()
        let lines = Harness.wrap(["-q", "--redact", "^password: .*$", "sh", "-c", "printf 'hello\\npassword: hunter2\\nbye\\n'"],
                                 home: home)
        #expect(lines.code == 0 && lines.out == "hello\npassword: hunter2\nbye\n")
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs.joined(separator: "\n") == "hello\n[REDACTED]\nbye", "\(logs)")
        let slow = (0..<60).flatMap { ["--redact", "(a+)+$Z\($0)"] }
        let other = Harness.temporaryFolder()
        let script = "import time; print('a' * 22, flush=True); time.sleep(0.2); print('a' * 22, flush=True)"
        let shared = Harness.wrap(["-q"] + slow + ["python3", "-c", script], home: other, timeout: 120)
        #expect(shared.code == 0 && shared.out == String(repeating: String(repeating: "a", count: 22) + "\n", count: 2))
        #expect(shared.seconds < 4, "\(shared.seconds) s: the patterns' time was each one's")
    }

    @Test("agentops event redacts the same secrets")
    func eventCommand() throws {
        let home = Harness.temporaryFolder()
        let extra = ["MY_API_TOKEN": Self.token,
                     "PATH": Harness.binFolder + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/bin")]
        _ = Harness.wrap(["-q", "sh", "-c", "agentops event error --type auth --details \"bad $MY_API_TOKEN\""],
                         home: home, extra: extra)
        #expect(try Harness.export(home: home).list("errors").first?["details"] == .string("bad [REDACTED]"))
    }
}
