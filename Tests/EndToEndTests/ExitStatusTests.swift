import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("Exit status mirrors the command")
struct ExitStatusTests {
    @Test("exit codes pass through and decide the end state", arguments: [0, 1, 2, 42, 255])
    func exitCodes(code: Int32) throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["--", "sh", "-c", "exit \(code)"], home: home)
        #expect(result.code == code)
        let session = try Harness.export(home: home)["session"]
        #expect(session?["end_state"]?.stringValue == (code == 0 ? "Success" : "Fail"))
        #expect(session?["end_state_reason"]?.stringValue == "Command exited with code \(code)")
        #expect(session?["end_timestamp"]?.stringValue != nil)
    }

    @Test("a command killed by a signal kills agentops-run with the same signal",
          arguments: [SIGTERM, SIGKILL, SIGSEGV])
    func deathBySignal(signal: Int32) throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["sh", "-c", "echo before; kill -\(signal) $$"], home: home)
        #expect(result.signal == signal)
        #expect(result.out == "before\n")
        let export = try Harness.export(home: home)
        #expect(export["session"]?["end_state"]?.stringValue == "Fail")
        let reason = export["session"]?["end_state_reason"]?.stringValue ?? ""
        #expect(reason.contains("killed by signal \(SignalNames.name(of: signal))"))
        #expect(export.list("actions").count == 1)
    }

    @Test("command not found: 127, one line saying which, session recorded as Fail")
    func commandNotFound() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["no-such-command-xyz", "arg"], home: home)
        #expect(result.code == 127)
        #expect(result.err.hasPrefix("agentops-run: no-such-command-xyz: command not found"))
        let session = try Harness.export(home: home)["session"]
        #expect(session?["end_state"]?.stringValue == "Fail")
        #expect(session?["end_state_reason"]?.stringValue?.contains("Command not found") == true)
    }

    @Test("a file that is not executable: 126")
    func notExecutable() throws {
        let home = Harness.temporaryFolder()
        let script = home + "/script.sh"
        try "echo hi\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o644)
        let result = Harness.wrap([script], home: home)
        #expect(result.code == 126)
        #expect(result.err.contains("cannot execute"))
        let directory = Harness.wrap([home], home: home)
        #expect(directory.code == 126)
        #expect(directory.err.contains("Is a directory"))
        let missing = Harness.wrap([home + "/missing"], home: home)
        #expect(missing.code == 127)
    }

    /// An environment that fits the exec of agentops-run but not the command's with the
    /// variables the run adds: the exec's E2BIG was reported as the command's failure (126,
    /// "Argument list too long"), though without agentops-run in front it would have run
    /// (second hostile pass, round 11). Sized by the kernel's count under an 8 MiB stack
    /// limit (2 MiB for the strings and their pointers), 64 bytes short of it for
    /// agentops-run's own exec.
    @Test("an environment only the run's variables take over the exec's limit: 125, not blamed on the command",
          arguments: ["never", "always"])
    func environmentTooLongWithAddedVariables(tty: String) throws {
        let home = Harness.temporaryFolder()
        let script = #"""
        import os, resource, sys
        run, tty, home = sys.argv[1:4]
        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, hard if hard == resource.RLIM_INFINITY or hard >= 8 << 20 else 8 << 20))
        limit = max(min(6 << 20, resource.getrlimit(resource.RLIMIT_STACK)[0] // 4), 128 << 10)
        argv = [run, "-q", "--tty", tty, "--", "/bin/true"]
        env = {b"HOME": home.encode(), b"AGENTOPS_HOME": home.encode(), b"PATH": b"/usr/bin:/bin"}
        def size(env):
            return len(run) + 1 + sum(len(a) + 1 for a in argv) + sum(len(k) + len(v) + 2 for k, v in env.items()) + 8 * (len(argv) + len(env))
        i = 0
        while size(env) < limit - 64 - 100000:
            env[b"PAD%d" % i] = b"x" * 90000
            i += 1
        env[b"PADLAST"] = b""
        env[b"PADLAST"] = b"y" * (limit - 64 - size(env))
        assert size(env) == limit - 64
        os.execve(run, argv, env)
        """#
        let result = Harness.run("/usr/bin/env", ["python3", "-c", script, Harness.agentopsRun, tty, home],
                                 environment: Harness.environment(home: home))
        #expect(result.code == 125, "\(result.err)")
        #expect(result.err.hasPrefix("agentops-run: /bin/true: cannot execute: Argument list too long with the "),
                "\(result.err)")
        #expect(result.err.contains("it would fit without them"), "\(result.err)")
        let session = try Harness.export(home: home)["session"]
        #expect(session?["end_state"]?.stringValue == "Fail")
        #expect(session?["end_state_reason"]?.stringValue?.hasSuffix("(exit 125)") == true)
    }

    /// A 128 KiB `TRACEPARENT` fits an exec as one string; agentops-run's copy of it
    /// under a longer name (`AGENTOPS_RUN_UPSTREAM_TRACEPARENT`) does not, and the E2BIG
    /// was blamed on the command, 126 (second hostile pass, round 12).
    @Test("a variable the run copies under a longer name goes over the exec's limit for one string: 125")
    func copiedVariableTooLong() throws {
        let home = Harness.temporaryFolder()
        let script = #"""
        import os, sys
        run, home = sys.argv[1:3]
        value = "0" * (131071 - len("TRACEPARENT="))
        env = {"HOME": home, "AGENTOPS_HOME": home, "PATH": "/usr/bin:/bin", "TRACEPARENT": value}
        os.execve(run, [run, "-q", "--", "/bin/true"], env)
        """#
        let result = Harness.run("/usr/bin/env", ["python3", "-c", script, Harness.agentopsRun, home],
                                 environment: Harness.environment(home: home))
        #expect(result.code == 125, "\(result.err)")
        #expect(result.err.hasPrefix("agentops-run: /bin/true: cannot execute: Argument list too long with the variables "
            + "agentops-run adds (one of them is over the 131072 bytes an exec takes for one; it would fit without them)"),
            "\(result.err)")
    }

    @Test("usage errors: 125, a message, no child started, nothing recorded")
    func usageErrors() throws {
        let home = Harness.temporaryFolder()
        let marker = home + "/ran"
        for arguments in [["--bogus", "--", "touch", marker], ["--session-id", "not-a-uuid", "touch", marker],
                          ["--tag"], [], ["--session-id", "123e4567-e89b-42d3-a456-426614174000", "--new-session",
                                          "touch", marker]] {
            let result = Harness.wrap(arguments, home: home)
            #expect(result.code == 125, "\(arguments)")
            #expect(result.err.hasPrefix("agentops-run: "), "\(arguments)")
        }
        let badInherited = Harness.wrap(["touch", marker], home: home, extra: ["AGENTOPS_SESSION_ID": "nope"])
        #expect(badInherited.code == 125)
        #expect(access(marker, F_OK) != 0)
        #expect(try LocalStore(home: home).sessionIDs().isEmpty)
    }

    @Test("--help and --version print to stdout and exit 0")
    func helpAndVersion() {
        let home = Harness.temporaryFolder()
        let help = Harness.wrap(["--help"], home: home)
        #expect(help.code == 0)
        #expect(help.out.hasPrefix("usage: agentops-run"))
        let version = Harness.wrap(["--version"], home: home)
        #expect(version.out == "agentops-run \(Version.current)\n")
    }
}
