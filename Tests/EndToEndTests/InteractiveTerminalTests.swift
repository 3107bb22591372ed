import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// One step of `Fixtures/pty_driver.py`'s `steps` scenario.
private enum Step {
    case wait(String), type(String), sleep(Double), resize(rows: Int, columns: Int), signal(String)
    case stopped, resume

    var json: JSONValue {
        switch self {
        case let .wait(text): return .array([.string("wait"), .string(text)])
        case let .type(text): return .array([.string("type"), .string(text)])
        case let .sleep(seconds): return .array([.string("sleep"), .number(String(seconds))])
        case let .resize(rows, columns): return .array([.string("resize"), .number(String(rows)), .number(String(columns))])
        case let .signal(name): return .array([.string("signal"), .string(name)])
        case .stopped: return .array([.string("stopped")])
        case .resume: return .array([.string("continue")])
        }
    }
}

/// Runs agentops-run on a fresh pseudo-terminal and follows `steps`.
private func interactive(_ command: [String], steps: [Step], home: String, options: [String] = []) throws -> JSONValue {
    let stepsJSON = String(decoding: JSONWriter.compact(.array(steps.map(\.json))), as: UTF8.self)
    let parsed = try Harness.onTerminal("steps", [Harness.agentopsRun] + options + ["--"] + command,
                                        environment: Harness.environment(home: home, extra: ["PTY_STEPS": stepsJSON]))
    #expect(parsed["waits"]?.arrayValue?.allSatisfy { $0 == .bool(true) } ?? true, "a wait timed out: \(parsed)")
    return parsed
}

private func tool(_ name: String) throws -> String {
    try CommandResolver.resolve(name, searchPath: ProcessInfo.processInfo.environment["PATH"])
}

@Suite("At a terminal the command has a terminal of its own", .serialized)
struct InteractiveTerminalTests {
    @Test("less quits on q, alone and at the end of a pipeline in a shell")
    func lessQuits() throws {
        _ = try tool("less")
        let home = Harness.temporaryFolder()
        let file = home + "/lines.txt"
        try (1...200).map { "line \($0)\n" }.joined().write(toFile: file, atomically: true, encoding: .utf8)
        let alone = try interactive(["less", file], steps: [.wait("line 20"), .type("q")], home: home)
        #expect(alone["exit"]?.intValue == 0, "\(alone)")
        #expect(alone["modes_restored"] == .bool(true))
        let piped = try interactive(["sh", "-c", "seq 1 1000 | less"], steps: [.wait("20"), .type("q")], home: home)
        #expect(piped["exit"]?.intValue == 0, "\(piped)")
        #expect(piped["modes_restored"] == .bool(true))
    }

    @Test("inside script(1) with its input at end of file, the command reads to the end and exits")
    func endOfInputTypedAhead() throws {
        let script = try tool("script")
        let home = Harness.temporaryFolder()
        // script(1) types the end-of-file key into its terminal at once, in cooked mode,
        // before agentops-run has made that terminal raw: the command must still see the
        // end of its input (it used to get a NUL byte and wait for ever).
        let line = ShellQuoting.join([Harness.agentopsRun, "--tty", "auto", "--", "sh", "-c", "cat; echo got-eof"])
        let result = Harness.run(script, ["-qec", line, "/dev/null"], environment: Harness.environment(home: home),
                                 stdin: [], timeout: 20)
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("got-eof"), "\(result.out)")
        #expect(!result.out.contains("^@"), "\(result.out)")
    }

    @Test("the small exec helper leads the command's session, and the command reads the terminal at once")
    func helperLeadsSession() throws {
        let home = Harness.temporaryFolder()
        // comm is cut to 15 bytes. A read before the helper made the command's group the
        // foreground one would stop it (SIGTTIN) and the wait for "got" would time out.
        let result = try interactive(["sh", "-c", "cat /proc/$PPID/comm; read line; echo got $line"],
                                     steps: [.wait("agentops-run-ex"), .type("hi\r"), .wait("got hi")], home: home)
        #expect(result["exit"]?.intValue == 0, "\(result)")
    }

    @Test("getpass and read from /dev/tty get the keys typed")
    func devTty() throws {
        let home = Harness.temporaryFolder()
        let password = try interactive(
            ["python3", "-c", "import getpass; print('got', getpass.getpass('pw: '))"],
            steps: [.wait("pw: "), .type("s3cret\r")], home: home)
        #expect(password["exit"]?.intValue == 0)
        let output = password["output"]?.stringValue ?? ""
        #expect(output.contains("got s3cret\r\n"), "\(password)")
        #expect(output.components(separatedBy: "s3cret").count == 2, "the password was not echoed")
        let read = try interactive(["sh", "-c", "echo ready; read x < /dev/tty; echo got $x"],
                                   steps: [.wait("ready"), .type("abc\r")], home: home)
        #expect(read["output"]?.stringValue?.contains("got abc\r\n") == true, "\(read)")
        // Stdin not a terminal (an inner run, so per-stream mode): /dev/tty is still
        // the terminal, and the command holds its foreground.
        let inner = "exec \"$0\" -q -- sh -c 'echo ready; read x < /dev/tty; echo got $x' < /dev/null"
        let piped = try interactive(["sh", "-c", inner, Harness.agentopsRun],
                                    steps: [.wait("ready"), .type("def\r")], home: home)
        #expect(piped["output"]?.stringValue?.contains("got def\r\n") == true, "\(piped)")
    }

    static let cursesScript = """
    import curses
    def main(screen):
        screen.addstr(2, 4, "drawn by curses")
        screen.refresh()
        return screen.getkey()
    key = curses.wrapper(main)
    print("key", key)
    """

    @Test("a curses program draws, quits on a key, and is recorded as readable terminal text")
    func curses() throws {
        let home = Harness.temporaryFolder()
        let result = try interactive(["python3", "-c", Self.cursesScript],
                                     steps: [.wait("drawn by curses"), .type("x")], home: home)
        #expect(result["exit"]?.intValue == 0)
        #expect(result["output"]?.stringValue?.contains("key x") == true, "\(result)")
        #expect(result["modes_restored"] == .bool(true))
        let actions = try Harness.export(home: home).list("actions")
        let terminal = actions.filter { $0["action_type"]?.stringValue == "terminal" }
        let text = terminal.compactMap { $0["logs"]?.stringValue }.joined(separator: "\n")
        #expect(text.contains("drawn by curses"), "\(text)")
        #expect(text.contains("key x"))
        #expect(!text.contains("\u{1B}"), "escape sequences removed")
    }

    @Test("Ctrl-Z suspends a full-screen program and agentops-run with the terminal restored; fg resumes both")
    func suspendResume() throws {
        let home = Harness.temporaryFolder()
        let result = try interactive(["python3", "-c", Self.cursesScript], steps: [
            .wait("drawn by curses"), .type("\u{1A}"), .stopped, .resume, .sleep(0.5), .type("y"),
        ], home: home)
        #expect(result["wrapper_state"]?.stringValue == "T")
        #expect(result["modes_while_stopped"] == .bool(true), "the terminal is not left raw while stopped")
        #expect(result["exit"]?.intValue == 0, "\(result)")
        #expect(result["output"]?.stringValue?.contains("key y") == true)
        #expect(result["modes_restored"] == .bool(true))
    }

    @Test("each resize sends the command one SIGWINCH, with the new size")
    func oneSigwinchPerResize() throws {
        let home = Harness.temporaryFolder()
        let script = """
        import os, signal, time
        count = 0
        def report(number, frame):
            global count
            count += 1
            size = os.get_terminal_size(0)
            print("winch", count, size.columns, size.lines, flush=True)
        signal.signal(signal.SIGWINCH, report)
        print("ready", flush=True)
        deadline = time.time() + 2
        while time.time() < deadline:
            time.sleep(0.05)
        """
        let result = try interactive(["python3", "-c", script], steps: [
            .wait("ready"), .resize(rows: 40, columns: 100), .sleep(0.5), .resize(rows: 30, columns: 90),
        ], home: home)
        let lines = (result["output"]?.stringValue ?? "").components(separatedBy: "\r\n").filter { $0.hasPrefix("winch") }
        #expect(lines == ["winch 1 100 40", "winch 2 90 30"], "\(result)")
    }

    @Test("alternating flushed stdout and stderr lines keep their order at a terminal")
    func orderAtTerminal() throws {
        let home = Harness.temporaryFolder()
        let script = "import sys\nfor i in range(40):\n    s = sys.stdout if i % 2 == 0 else sys.stderr\n"
            + "    s.write(f'line {i}\\n'); s.flush()\n"
        let result = try interactive(["python3", "-c", script], steps: [.wait("line 39")], home: home)
        let lines = (result["output"]?.stringValue ?? "").components(separatedBy: "\r\n").filter { $0.hasPrefix("line") }
        #expect(lines == (0..<40).map { "line \($0)" })
    }

    @Test("the terminal's modes are restored on every way out",
          arguments: ["exit", "signal death", "timeout", "SIGTERM", "SIGHUP", "not executable"])
    func modesRestored(path: String) throws {
        let home = Harness.temporaryFolder()
        let ready = "import time; print('ready', flush=True); time.sleep(10)"
        let cases: [String: ([String], [String], [Step])] = [
            "exit": ([], ["sh", "-c", "echo ready; exit 3"], [.wait("ready")]),
            "signal death": ([], ["sh", "-c", "echo ready; kill -KILL $$"], [.wait("ready")]),
            "timeout": (["--timeout", "0.5"], ["python3", "-c", ready], [.wait("ready")]),
            "SIGTERM": ([], ["python3", "-c", ready], [.wait("ready"), .signal("TERM")]),
            "SIGHUP": ([], ["python3", "-c", ready], [.wait("ready"), .signal("HUP")]),
            "not executable": ([], ["/etc/passwd"], []),
        ]
        let (options, command, steps) = try #require(cases[path])
        let result = try interactive(command, steps: steps, home: home, options: options)
        #expect(result["modes_restored"] == .bool(true), "\(result)")
        let expected = ["exit": 3, "timeout": 124, "not executable": 126]
        if let code = expected[path] { #expect(result["exit"]?.intValue == code, "\(result)") }
        if path == "signal death" { #expect(result["signal"]?.intValue == Int(SIGKILL)) }
        if path == "SIGTERM" { #expect(result["signal"]?.intValue == Int(SIGTERM)) }
        if path == "SIGHUP" { #expect(result["signal"]?.intValue == Int(SIGHUP)) }
    }
}
