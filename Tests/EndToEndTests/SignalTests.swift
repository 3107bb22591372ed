import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// A Python child that reports each signal it gets and exits after a stop signal.
private func reportingChild(ready: String) -> [String] {
    let script = """
    import os, signal, sys, time
    def report(number, frame):
        print("got", signal.Signals(number).name, flush=True)
        if number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            sys.exit(0)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
              signal.SIGALRM, signal.SIGWINCH, signal.SIGCONT):
        signal.signal(s, report)
    open(sys.argv[1], "w").close()
    deadline = time.time() + 30
    while time.time() < deadline:
        time.sleep(0.05)
    """
    return ["python3", "-c", script, ready]
}

@Suite("Signals reach the command", .serialized)
struct SignalTests {
    @Test("a stop signal sent to agentops-run reaches the command once and fails the session",
          arguments: [SIGTERM, SIGINT, SIGHUP, SIGQUIT])
    func stopSignalForwarded(signal: Int32) throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let result = Harness.wrap(reportingChild(ready: ready), home: home) { pid in
            #expect(Harness.waitForFile(ready))
            kill(pid, signal)
        }
        let name = SignalNames.name(of: signal)
        #expect(result.out == "got \(name)\n")
        #expect(result.code == 0)
        let session = try Harness.export(home: home)["session"]
        #expect(session?["end_state"]?.stringValue == "Fail")
        #expect(session?["end_state_reason"]?.stringValue
            == "Signal \(name) detected and forwarded to the command; command exited with code 0")
    }

    @Test("other signals are forwarded once and do not end the run")
    func otherSignalsForwarded() throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let result = Harness.wrap(reportingChild(ready: ready), home: home) { pid in
            #expect(Harness.waitForFile(ready))
            for signal in [SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH, SIGCONT] {
                kill(pid, signal)
                usleep(150_000)
            }
            kill(pid, SIGTERM)
        }
        #expect(result.out == "got SIGUSR1\ngot SIGUSR2\ngot SIGALRM\ngot SIGWINCH\ngot SIGCONT\ngot SIGTERM\n")
    }

    @Test("the command starts with the signal mask and ignored signals agentops-run started with")
    func maskAndIgnoredInherited() throws {
        let home = Harness.temporaryFolder()
        // grep itself, not through sh: dash clears its signal mask when it starts.
        let grep = try CommandResolver.resolve("grep", searchPath: ProcessInfo.processInfo.environment["PATH"])
        let probe = [grep, "-E", "^Sig(Blk|Ign)", "/proc/self/status"]
        let direct = Harness.run(grep, Array(probe.dropFirst()), environment: Harness.environment(home: home))
        let wrapped = Harness.wrap(["-q"] + probe, home: home)
        #expect(wrapped.out == direct.out)
        #expect(wrapped.out.contains("SigBlk:\t0000000000000000"))

        let ignored = Harness.wrap(["sh", "-c", "trap '' INT HUP; exec \(Harness.agentopsRun) -q " + probe.map {
            ShellQuoting.quote($0) }.joined(separator: " ")], home: home)
        // SIGINT (2) and SIGHUP (1) ignored: bits 0 and 1 of SigIgn.
        let sigIgn = ignored.out.split(separator: "\n").first { $0.hasPrefix("SigIgn") }.map(String.init) ?? ""
        let bits = UInt64(sigIgn.split(separator: "\t").last ?? "", radix: 16) ?? 0
        #expect(bits & 0b11 == 0b11, "\(ignored.out)")
    }

    /// Signals 32 and 33, glibc's own: Foundation's spawn (glibc's `posix_spawn`) left
    /// them ignored in every command; the command must find them as agentops-run did.
    /// A Python launcher sets them with the kernel's call (glibc's sigaction refuses),
    /// runs grep directly for the expected mask, then execs agentops-run.
    @Test("signals 32 and 33 reach the command as agentops-run found them, default or ignored",
          arguments: ["default", "ignore"], ["never", "always"])
    func internalSignals(state: String, tty: String) throws {
        let launcher = """
        import ctypes, os, sys
        number = {"x86_64": 13, "aarch64": 134}[os.uname().machine]
        action = (ctypes.c_ulong * 8)()
        action[0] = 1 if sys.argv[1] == "ignore" else 0
        for signal in (32, 33):
            assert ctypes.CDLL(None).syscall(number, signal, ctypes.byref(action), None, 8) == 0
        probe = ["grep", "SigIgn", "/proc/self/status"]
        child = os.fork()
        if child == 0:
            os.execvp(probe[0], probe)
        os.waitpid(child, 0)
        os.execv(sys.argv[2], [sys.argv[2], "-q", "--tty", sys.argv[3], "--", *probe])
        """
        let home = Harness.temporaryFolder()
        let result = Harness.run("/usr/bin/env", ["python3", "-c", launcher, state, Harness.agentopsRun, tty],
                                 environment: Harness.environment(home: home))
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(lines.count == 2, "\(result.out)\(result.err)")
        #expect(lines[1] == lines[0], "direct, then through agentops-run")
        // Signals 32 and 33 are bits 31 and 32 of SigIgn.
        let bits = UInt64(lines[1].split(separator: "\t").last ?? "", radix: 16) ?? 0
        #expect(bits >> 31 & 0b11 == (state == "ignore" ? 0b11 : 0), "\(lines)")
    }

    @Test("signals blocked when agentops-run started stay blocked in the command")
    func blockedInherited() {
        let home = Harness.temporaryFolder()
        let result = Harness.run(Harness.agentopsRun, ["-q", "--", "grep", "SigBlk", "/proc/self/status"],
                                 environment: Harness.environment(home: home), blocked: [SIGUSR1, SIGHUP])
        // SIGHUP is signal 1 (bit 0), SIGUSR1 signal 10 (bit 9).
        #expect(result.out == "SigBlk:\t0000000000000201\n")
        #expect(result.code == 0)
    }

    @Test("a command launched from a worker thread still gets signals (inherited-mask regression)")
    func workerThreadLaunch() async throws {
        // Dispatch worker threads block SIGINT, SIGTERM, SIGHUP and more; a child spawned
        // from one must still start with an empty mask. Python is the child because it
        // leaves its mask alone (dash clears it) and reports it before sleeping.
        let script = "import sys; sys.stdout.write([l for l in open('/proc/self/status') if l.startswith('SigBlk')][0]);"
            + " sys.stdout.flush(); import time; time.sleep(30)"
        let python = try CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"])
        let pipe = try #require(PipePair.make())
        let process = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = try ChildLauncher.launch(
                        executable: python, arguments: ["-c", script],
                        environment: ProcessInfo.processInfo.environment, stdout: pipe.write, stderr: pipe.write,
                        terminationHandler: { _ in })
                    continuation.resume(returning: process)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        close(pipe.write)
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(pipe.read, &buffer, buffer.count)
        close(pipe.read)
        #expect(String(decoding: buffer[0..<max(count, 0)], as: UTF8.self) == "SigBlk:\t0000000000000000\n")
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        #expect(!process.isRunning, "SIGTERM did not end a child launched from a worker thread")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
    }

    @Test("a signal that arrives before the command starts reaches it once it runs")
    func signalBeforeTheCommand() throws {
        // An agentops-run-exec beside agentops-run that never answers holds the launch for
        // the helper's hello deadline (3 s), then agentops-run starts the command itself:
        // the signal is sent in that wait, before any command exists.
        let folder = Harness.temporaryFolder()
        let home = Harness.temporaryFolder()
        let run = folder + "/agentops-run", helper = folder + "/agentops-run-exec"
        if link(Harness.agentopsRun, run) != 0 { try #require(Harness.copyExecutable(Harness.agentopsRun, to: run)) }
        defer {
            unlink(run)
            unlink(helper)
        }
        // Close-on-exec: a child another test spawns must not hold it open for writing.
        let fd = open(helper, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        try #require(fd >= 0)
        let script = Array("#!/bin/sh\nsleep 41.25\n".utf8)
        #expect(write(fd, script, script.count) == script.count)
        close(fd)
        let result = Harness.run(run, ["--tty", "never", "--", "sh", "-c", "sleep 20"],
                                 environment: Harness.environment(home: home), timeout: 40) { pid in
            usleep(1_000_000)
            kill(pid, SIGTERM)
        }
        // Queued, then forwarded to the command as soon as it ran: it died of it at once.
        #expect(result.signal == SIGTERM, "\(result.err)")
        #expect(result.seconds < 15, "took \(result.seconds) s")
        let reason = try Harness.export(home: home)["session"]?["end_state_reason"]?.stringValue ?? ""
        #expect(reason.contains("SIGTERM"), "\(reason)")
    }

    @Test("agentops-run killed with SIGKILL leaves an Indeterminate session with what was recorded")
    func wrapperKilled() throws {
        let home = Harness.temporaryFolder()
        let ready = home + "/ready"
        let script = "echo before; echo $$ > \(ready).tmp; mv \(ready).tmp \(ready); exec sleep 30"
        let result = Harness.killedOnceReady(["sh", "-c", script], ready: ready, after: 0.4,
                                             environment: Harness.environment(home: home))
        #expect(result.signal == SIGKILL)
        let export = try Harness.export(home: home)
        #expect(export["session"]?["end_state"]?.stringValue == "Indeterminate")
        #expect(export["session"]?["end_timestamp"] == .null)
        #expect(export.list("actions").compactMap { $0["logs"]?.stringValue } == ["before"])
    }

    /// A command that stopped itself, with no terminal (CI, `setsid`): agentops-run
    /// stopped too, as if a shell would continue it, and its `--timeout` never came
    /// (hostile pass, round 13). Now it keeps running, and the timeout's signal is
    /// followed by SIGCONT, as `timeout(1)` sends it.
    @Test("without a terminal, a command that stops itself still meets its --timeout: 124")
    func stoppedWithoutTerminal() {
        let home = Harness.temporaryFolder()
        let python = (try? CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"]))
            ?? "/usr/bin/python3"
        let result = Harness.run(python, ["-c", "import os, sys; os.setsid(); os.execv(sys.argv[1], sys.argv[1:])",
                                          Harness.agentopsRun, "-q", "--timeout", "1", "-k", "30",
                                          "sh", "-c", "echo before; kill -STOP $$; echo resumed"],
                                 environment: Harness.environment(home: home), timeout: 20)
        #expect(result.code == 124, "\(result.err)")
        #expect(result.out == "before\n")
        #expect(result.seconds < 15, "\(result.seconds) s: the SIGKILL 30 s later is not what ended it")
    }

    /// Started with SIGCHLD ignored (a Python parent that set it so), agentops-run could
    /// not read its command's exit status: a command that failed was recorded as a
    /// success and the run exited 0 (hostile pass, round 13).
    @Test("started with SIGCHLD ignored: the command's status is the run's, and the command gets SIGCHLD ignored as it came")
    func childSignalIgnored() throws {
        let home = Harness.temporaryFolder()
        let python = (try? CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"]))
            ?? "/usr/bin/python3"
        let launcher = "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
        let command = "import signal, sys; print('ignored', signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN); sys.exit(3)"
        let result = Harness.run(python, ["-c", launcher, Harness.agentopsRun, "-q", "--", python, "-c", command],
                                 environment: Harness.environment(home: home), timeout: 30)
        #expect(result.code == 3, "\(result.err)")
        #expect(result.out == "ignored True\n")
        #expect(try Harness.export(home: home)["session"]?["end_state"] == .string("Fail"))
    }
}
