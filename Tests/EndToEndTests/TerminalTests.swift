import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// Runs agentops-run on a real pseudo-terminal through `Fixtures/pty_driver.py`.
private func onTerminal(_ scenario: String, _ command: [String], home: String,
                        options: [String] = []) throws -> JSONValue {
    try Harness.onTerminal(scenario, [Harness.agentopsRun] + options + ["--"] + command,
                           environment: Harness.environment(home: home))
}

@Suite("On a terminal", .serialized)
struct TerminalTests {
    @Test("a command that reads the terminal works (it gets the foreground, no SIGTTIN stop)")
    func readsTerminal() throws {
        let home = Harness.temporaryFolder()
        let result = try onTerminal("readline", ["python3", "-c", "print('ready', flush=True); print('got', input())"],
                                    home: home)
        #expect(result["exit"]?.intValue == 0)
        #expect(result["output"]?.stringValue?.contains("got hello\r\n") == true)
    }

    @Test("Ctrl-C and Ctrl-\\ typed at the terminal reach the command once", arguments: ["ctrl-c", "ctrl-bs"])
    func typedKeysOnce(scenario: String) throws {
        let home = Harness.temporaryFolder()
        let script = """
        import signal, time
        count = 0
        def seen(number, frame):
            global count
            count += 1
        signal.signal(signal.SIGINT, seen)
        signal.signal(signal.SIGQUIT, seen)
        print("ready", flush=True)
        time.sleep(1.5)
        print("count", count, flush=True)
        """
        let result = try onTerminal(scenario, ["python3", "-c", script], home: home)
        #expect(result["exit"]?.intValue == 0)
        #expect(result["output"]?.stringValue?.contains("count 1\r\n") == true, "\(result)")
    }

    /// Started with SIGCHLD ignored, the helper that leads the command's session waited
    /// for a SIGCHLD the kernel never sent (it reaped the command itself): the run hung
    /// for ever (hostile pass, round 13).
    @Test("started with SIGCHLD ignored: the run ends with the command's status, which gets SIGCHLD ignored as it came")
    func childSignalIgnored() throws {
        let home = Harness.temporaryFolder()
        let python = try CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"])
        let launcher = "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
        let command = "import signal, sys; print('ignored', signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN); sys.exit(3)"
        let result = try Harness.onTerminal("plain", [python, "-c", launcher, Harness.agentopsRun, "-q", "--",
                                                      python, "-c", command],
                                            environment: Harness.environment(home: home))
        #expect(result["exit"]?.intValue == 3, "\(result)")
        #expect(result["output"]?.stringValue?.contains("ignored True") == true, "\(result)")
    }

    /// On a terminal but run from a script, not by a shell with job control: nothing
    /// would continue a stopped agentops-run, and its --timeout never came (third
    /// hostile pass, round 13).
    @Test("run from a script on a terminal, a command that stops itself still meets its --timeout: 124")
    func stoppedInScript() throws {
        let home = Harness.temporaryFolder()
        let script = "\(Harness.agentopsRun) -q --timeout 1 -k 30 -- sh -c 'kill -STOP $$'; echo status=$?"
        let result = try Harness.onTerminal("plain", ["sh", "-c", script], environment: Harness.environment(home: home))
        #expect(result["output"]?.stringValue?.contains("status=124") == true, "\(result)")
    }

    @Test("Ctrl-Z stops the command and agentops-run; continuing resumes both")
    func jobControl() throws {
        let home = Harness.temporaryFolder()
        let script = "import time\nwhile True:\n    print('tick', flush=True)\n    time.sleep(0.1)\n"
        let result = try onTerminal("ctrl-z", ["python3", "-c", script], home: home)
        #expect(result["wrapper_state_after_ctrl_z"]?.stringValue == "T")
        #expect(result["command_states_after_ctrl_z"] == .array([.string("T")]))
        #expect(result["ticks_while_stopped"]?.intValue == 0)
        #expect(result["ticks_after_continue"]?.intValue ?? 0 >= 1)
        // Ended by a typed Ctrl-C: the command died of SIGINT and so does agentops-run.
        #expect(result["signal"]?.intValue == Int(SIGINT))
        let reason = try Harness.export(home: home)["session"]?["end_state_reason"]?.stringValue
        #expect(reason == "Command was killed by signal SIGINT")
    }

    @Test("the terminal is handed back when the command ends")
    func terminalHandedBack() throws {
        let home = Harness.temporaryFolder()
        // After the command, agentops-run prints its closing lines; were it still in the
        // background with TOSTOP set, that write would stop it (SIGTTOU) and the run hang.
        let result = try onTerminal("plain", ["sh", "-c", "stty tostop; echo done"], home: home)
        #expect(result["exit"]?.intValue == 0)
        #expect(result["output"]?.stringValue?.contains("Session Stats") == true)
    }

    static let probe = "import os, sys; print('tty', sys.stdout.isatty(), sys.stderr.isatty()); "
        + "print('size', os.get_terminal_size(1).columns if sys.stdout.isatty() else 0)"

    @Test("on a terminal the command's stdout and stderr are terminals of the same size, still recorded")
    func streamsAreTerminals() throws {
        let home = Harness.temporaryFolder()
        let result = try onTerminal("plain", ["python3", "-c", Self.probe], home: home)
        #expect(result["output"]?.stringValue?.hasPrefix("tty True True\r\nsize 123\r\n") == true, "\(result)")
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs == ["tty True True\nsize 123"], "recorded raw, without the terminal's carriage returns")
        let colours = try onTerminal("plain", ["ls", "--color=auto", "-d", "/"], home: home)
        #expect(colours["output"]?.stringValue?.contains("\u{1B}[") == true, "ls colours its output on a terminal")
    }

    @Test("--tty never gives pipes even on a terminal; --tty always gives terminals even in a pipe")
    func terminalModes() throws {
        let home = Harness.temporaryFolder()
        let never = try onTerminal("plain", ["python3", "-c", Self.probe], home: home, options: ["--tty", "never"])
        #expect(never["output"]?.stringValue?.hasPrefix("tty False False") == true)
        let piped = Harness.wrap(["-q", "python3", "-c", Self.probe], home: home)
        #expect(piped.out == "tty False False\nsize 0\n", "outside a terminal no fake one")
        let always = Harness.wrap(["-q", "--tty", "always", "python3", "-c", Self.probe], home: home)
        #expect(always.out.hasPrefix("tty True True"))
        #expect(Harness.wrap(["--tty", "sometimes", "true"], home: home).code == 125)
    }

    @Test("a window resize reaches the command with the new size")
    func resize() throws {
        let home = Harness.temporaryFolder()
        let script = """
        import os, signal, time
        def report(number, frame):
            size = os.get_terminal_size(1)
            print("size", size.columns, size.lines, flush=True)
        signal.signal(signal.SIGWINCH, report)
        print("ready", flush=True)
        time.sleep(1.5)
        """
        let result = try onTerminal("resize", ["python3", "-c", script], home: home)
        #expect(result["output"]?.stringValue?.contains("size 100 40\r\n") == true, "\(result)")
    }
}
