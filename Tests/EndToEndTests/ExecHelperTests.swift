import Foundation
import Glibc
import Testing
import AgentOpsExec
@testable import AgentOpsKit

/// The small exec helper beside agentops-run, agentops-run's own helper mode when it is
/// missing, and the descriptor limit the spawn lowers for a moment.
@Suite("The exec helper")
struct ExecHelperTests {
    /// Prints the command's descriptors (as `DescriptorTests` does) and its
    /// RLIMIT_NOFILE, from a Python that first closes everything above 2, opens fd 7
    /// and sets the soft limit to 1000 (below any default, above any fd used here).
    private func probe(through wrapper: [String], home: String) -> Harness.Result {
        let launcher = """
        import os, resource, sys
        os.closerange(3, 65536)
        os.dup2(os.open("/dev/null", os.O_RDONLY), 7)
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (1000, hard))
        os.execv(sys.argv[1], sys.argv[1:])
        """
        // fd 3 is the listing's own.
        let report = "import os, resource; print([n for n in sorted(os.listdir('/proc/self/fd'), key=int) if n != '3'],"
            + " resource.getrlimit(resource.RLIMIT_NOFILE))"
        let python = (try? CommandResolver.resolve("python3", searchPath: ProcessInfo.processInfo.environment["PATH"]))
            ?? "/usr/bin/python3"
        return Harness.run(python, ["-c", launcher] + wrapper + [python, "-c", report],
                           environment: Harness.environment(home: home))
    }

    /// The Swift runtime warns about an unknown `SWIFT_DEBUG_…` variable before `main`
    /// runs; in the helper that line went to the handshake socket and read as a foreign
    /// helper, twice: every command failed with 125.
    @Test("a runtime warning the helper prints before its hello does not stop the command")
    func runtimeWarningBeforeHello() {
        let home = Harness.temporaryFolder()
        let result = Harness.run(Harness.agentopsRun, ["-q", "--tty", "never", "--", "/bin/sh", "-c", "echo hi; exit 4"],
                                 environment: Harness.environment(home: home, extra: ["SWIFT_DEBUG_NO_SUCH_OPTION": "1"]))
        #expect(result.code == 4, "\(result.err)")
        #expect(result.out == "hi\n")
        #expect(!result.err.contains("exec helper"), "\(result.err)")
    }

    @Test("the command's environment reaches it exactly through the helper's socket: odd values, a large one")
    func environmentThroughSocket() {
        let home = Harness.temporaryFolder()
        let large = String(repeating: "x", count: 120_000)
        let odd: [String: String] = ["ODD_NEWLINE": "a\nb", "ODD_EQUALS": "k=v=w", "ODD_EMPTY": "", "ODD_UTF8": "héllo ✓",
                                     "ODD_LARGE": large]
        let result = Harness.run(Harness.agentopsRun, ["-q", "--tty", "never", "--", "/usr/bin/env", "-0"],
                                 environment: Harness.environment(home: home, extra: odd))
        #expect(result.code == 0, "\(result.err)")
        let entries = Set(result.out.split(separator: "\0", omittingEmptySubsequences: true).map(String.init))
        // Checked one by one, named only: the large value would fill the failure message.
        let missing = odd.filter { !entries.contains("\($0.key)=\($0.value)") }.keys.sorted()
        #expect(missing.isEmpty, "missing or changed: \(missing)")
        let session = entries.contains { $0.hasPrefix("AGENTOPS_SESSION_ID=") }
        #expect(session)
    }

    /// agentops-run read its environment as a dictionary and passed that on: an entry
    /// without `=` was dropped, a name given twice kept one value, the order was lost
    /// (hostile pass, round 10). A launcher execs agentops-run with such an environment
    /// (python's `os.execve` takes a mapping, so through ctypes).
    @Test("the command's environment is agentops-run's own, entry for entry and in order, plus what the run sets",
          arguments: ["never", "always"])
    func environmentLaidOutAsGiven(tty: String) throws {
        let home = Harness.temporaryFolder()
        let entries = #"b'ZZ_FIRST=1', b'NO_EQUALS_HERE', b'DUP=one', b'HOME=' + os.environb[b'HOME'], "#
            + #"b'PATH=' + os.environb[b'PATH'], b'DUP=two', b'AGENTOPS_HOME=' + os.environb[b'AGENTOPS_HOME'], "#
            + #"b'A_LAST=\xff'"#
        let reader = "import sys; sys.stdout.buffer.write(open('/proc/self/environ', 'rb').read())"
        let result = Harness.run("/usr/bin/env", ["python3", "-c", Self.launcher(entries), Harness.agentopsRun, "-q",
                                                  "--tty", tty, "--", "python3", "-c", reader],
                                 environment: Harness.environment(home: home))
        #expect(result.code == 0, "\(result.err)")
        let seen = result.out.split(separator: "\0").map(String.init)
        let given = ["ZZ_FIRST=1", "NO_EQUALS_HERE", "DUP=one", "DUP=two", "A_LAST=\u{FFFD}"]
        #expect(seen.filter { entry in given.contains(entry) } == given, "\(seen)")
        #expect(seen.first == "ZZ_FIRST=1", "\(seen)")
        #expect(seen.contains { $0.hasPrefix("AGENTOPS_SESSION_ID=") }, "\(seen)")
    }

    /// A python script that execs its arguments with exactly the environment entries
    /// `entries` (python list items): `os.execve` takes a mapping, so through ctypes.
    static func launcher(_ entries: String) -> String {
        """
        import ctypes, os, sys
        entries = [\(entries)]
        argv = [a.encode() for a in sys.argv[1:]]
        c_argv = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
        c_env = (ctypes.c_char_p * (len(entries) + 1))(*entries, None)
        ctypes.CDLL(None).execve(argv[0], c_argv, c_env)
        sys.exit(99)
        """
    }

    /// Given a name twice, agentops-run took the last value (`ProcessInfo`'s reading) and
    /// the command, through `getenv`, the first: the run recorded into one session while
    /// its command joined another, and the command was looked up in another PATH than
    /// `execvp` would use (second hostile pass, round 11).
    @Test("AGENTOPS_SESSION_ID and PATH given twice: the run and its command both take the first")
    func duplicatedNamesFirstWins() throws {
        let home = Harness.temporaryFolder()
        let first = "11111111-1111-4111-8111-111111111111", second = "22222222-2222-4222-8222-222222222222"
        let folder = Harness.temporaryFolder()
        try "#!/bin/sh\necho \"$AGENTOPS_SESSION_ID first-path\"\n".write(toFile: folder + "/which-path",
                                                                       atomically: true, encoding: .utf8)
        chmod(folder + "/which-path", 0o755)
        let entries = "b'AGENTOPS_SESSION_ID=\(first)', b'PATH=\(folder):/usr/bin:/bin', "
            + "b'AGENTOPS_SESSION_ID=\(second)', b'PATH=/usr/bin:/bin', "
            + "b'HOME=' + os.environb[b'HOME'], b'AGENTOPS_HOME=' + os.environb[b'AGENTOPS_HOME']"
        let result = Harness.run("/usr/bin/env", ["python3", "-c", Self.launcher(entries), Harness.agentopsRun, "-q",
                                                  "--", "which-path"],
                                 environment: Harness.environment(home: home))
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == "\(first) first-path\n", "\(result.err)")
        #expect(try Harness.export(home: home)["session"]?["id"] == .string(first))
    }

    @Test("a run that ends before its command starts leaves no helper behind")
    func dismissedHelperExits() throws {
        let folder = Harness.temporaryFolder()
        let home = Harness.temporaryFolder()
        let run = folder + "/agentops-run", helper = folder + "/agentops-run-exec"
        try #require(copyfile(Harness.agentopsRun, run) && copyfile(Harness.execHelper, helper))
        defer {
            unlink(run)
            unlink(helper)
        }
        let missing = Harness.run(run, ["-q", "--", "/nonexistent/command"], environment: Harness.environment(home: home))
        #expect(missing.code == 127, "\(missing.err)")
        #expect(missing.err.contains("/nonexistent/command"), "\(missing.err)")
        // The helper spawned ahead saw its socket close and exited, unheard.
        let deadline = Date().addingTimeInterval(5)
        var left: [String] = []
        repeat {
            left = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
                pid.allSatisfy(\.isNumber) && (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) == helper
            }
            if left.isEmpty { break }
            usleep(20_000)
        } while Date() < deadline
        #expect(left.isEmpty, "helpers still running: \(left)")
    }

    @Test("the command gets agentops-run's descriptors and descriptor limit exactly, as when run bare")
    func sameLimitAndDescriptors() {
        let home = Harness.temporaryFolder()
        let bare = probe(through: [], home: home)
        let wrapped = probe(through: [Harness.agentopsRun, "-q", "--tty", "never", "--"], home: home)
        #expect(bare.out.hasPrefix("['0', '1', '2', '7'] (1000, "), "\(bare.out) \(bare.err)")
        #expect(wrapped.out == bare.out, "\(wrapped.err)")
        #expect(wrapped.code == 0)
    }

    @Test("without agentops-run-exec beside it, agentops-run starts the command through itself, the same way")
    func fallbackWithoutHelper() throws {
        let home = Harness.temporaryFolder()
        let alone = Harness.temporaryFolder() + "/agentops-run"
        // A hard link: /proc/self/exe then names the folder without the helper.
        try #require(link(Harness.agentopsRun, alone) == 0 || copyfile(Harness.agentopsRun, alone))
        defer { unlink(alone) }
        let bare = probe(through: [], home: home)
        let wrapped = probe(through: [alone, "-q", "--tty", "never", "--"], home: home)
        #expect(wrapped.out == bare.out, "\(wrapped.err)")
        let missing = Harness.run(alone, ["--", "/nonexistent/command"], environment: Harness.environment(home: home))
        #expect(missing.code == 127, "\(missing.err)")
    }

    /// A foreign `agentops-run-exec` beside a hard link of agentops-run: what it is, and
    /// how long it may hold the run up at most.
    static let foreignHelpers: [(name: String, script: String?, seconds: Double)] = [
        ("a symlink to /bin/true", nil, 2),
        ("a script that prints and exits", "#!/bin/sh\necho 'I am not a helper'\necho oops >&2\nexit 2\n", 2),
        ("the helper of an older build (exits 2: it does not know --protocol=2)", "#!/bin/sh\n"
            + "echo \"agentops-run-exec: agentops-run's helper that starts its command; not meant to be run directly\" >&2\n"
            + "exit 2\n", 2),
        ("a sleeper", "#!/bin/sh\nsleep 41.5\n", 8),
        // Waited for until the deadline, as a preamble, before (hostile pass, round 10).
        ("the helper of another build that answers and waits", "#!/bin/sh\necho 'agentops-run-exec protocol 3'\n"
            + "sleep 42.5\n", 2),
        ("a file the kernel cannot run (exec fails with ENOEXEC)", "\u{7F}ELF, but not really\n", 2),
    ]

    /// A helper that says its hello, takes the command, then dies on the way: writing a
    /// fatal error on its stderr (the socket), as glibc's "cannot get entropy" abort did
    /// in a hostile pass, whose text is no errno; or without a word (a crash under a
    /// limit set for the helper alone, in another), end of file with no starting marker,
    /// which was taken for the exec and the helper's death for the command's; or leaving
    /// a background child that holds the socket open, which was waited for for ever. The
    /// command never ran, and the run says so.
    @Test("a helper that dies after its hello: agentops-run cannot start the command (125), no errno or exit made up",
          arguments: ["echo 'Fatal glibc error: cannot get entropy for arc4random' >&2; exit 1", "exit 1",
                      "kill -SEGV $$", "(sleep 5 <&0 &); exit 0",
                      // Four zero bytes: the old fixed starting marker, taken for a started
                      // command (exit 0, Success) though it never ran (hostile pass, round 10).
                      "printf '\\000\\000\\000\\000'; exit 0",
                      // An errno's four bytes, or the first four it was sent, were blamed on
                      // the command ("cannot execute: No such file or directory", 126),
                      // and a background child of the helper's outlived the run (second
                      // hostile pass, round 10).
                      "(sleep 43.5 &); head -c 50 >/dev/null; printf '\\002\\000\\000\\000'; exit 0",
                      "head -c 4"])
    func helperDiesAfterHello(death: String) throws {
        // The hello with its newline inside printf's quotes, then the death.
        let hello = String(decoding: ExecHelper.hello, as: UTF8.self)
        let script = "#!/bin/sh\nprintf '\(hello)'\nsleep 0.3\n\(death)\n"
        try besideHelper(script) { run, folder in
            let marker = folder + "/ran"
            let result = Harness.run(run, ["--tty", "never", "--", "/bin/sh", "-c", "echo x >> \(marker)"],
                                     environment: Harness.environment(home: Harness.temporaryFolder()), timeout: 30)
            #expect(result.code == 125, "\(result.err)")
            #expect(result.err.contains("cannot create the exec helper for the command: it failed before it could start"
                + " the command"), "\(result.err)")
            #expect(!result.err.contains("Unknown error") && !result.err.contains("cannot execute"), "\(result.err)")
            #expect(!FileManager.default.fileExists(atPath: marker), "the command did not run")
            if death.contains("sleep 43.5") { #expect(survivors(containing: ["sleep 43.5"]).isEmpty, "its group was killed") }
        }
    }

    /// A helper that takes the command and never answers, and a SIGTERM meanwhile: the
    /// signal interrupted the wait, was taken for an answer, and the read that followed
    /// blocked for ever, the SIGTERM held for a command that never started (second
    /// hostile pass, round 10).
    @Test("a helper that says the hello, then never answers or never reads: a SIGTERM ends the run at once (125), nothing started",
          arguments: ["takes", "never reads"])
    func silentHelperThenSignal(helper kind: String) throws {
        let hello = String(decoding: ExecHelper.hello, as: UTF8.self)
        // One that never reads held agentops-run in a blocking write of an environment
        // larger than the socket's buffer (second hostile pass, round 11). (A silent one
        // is given up after 3 s, and the signal reaches the command started through
        // agentops-run itself: `SignalTests.signalBeforeTheCommand`.)
        let body = ["takes": "printf '\(hello)'\ncat >/dev/null\n",
                    "never reads": "printf '\(hello)'\nexec sleep 30\n"][kind]!
        // 300 KB: past the socket's buffer (a single string may be 128 KiB at most).
        let extra = kind == "never reads"
            ? Dictionary(uniqueKeysWithValues: (1...3).map { ("BIG_VALUE_\($0)", String(repeating: "b", count: 100_000)) }) : [:]
        try besideHelper("#!/bin/sh\n" + body) { run, folder in
            let marker = folder + "/ran"
            let result = Harness.run(run, ["--tty", "never", "--", "/bin/sh", "-c", "echo x >> \(marker)"],
                                     environment: Harness.environment(home: Harness.temporaryFolder(), extra: extra),
                                     timeout: 20,
                                     whileRunning: { pid in
                                         usleep(800_000)
                                         kill(pid, SIGTERM)
                                     })
            #expect(result.code == 125, "\(kind): \(result.err)")
            #expect(result.seconds < 5, "\(kind): took \(result.seconds) s")
            #expect(result.err.contains("agentops-run was told to stop before it started the command"), "\(kind): \(result.err)")
            #expect(!FileManager.default.fileExists(atPath: marker), "\(kind): the command did not run")
        }
    }

    /// A script whose interpreter is missing: the exec fails with ENOENT, and `sh`,
    /// `bash` and `env` give 127; agentops-run gave 126 (second hostile pass, round 11).
    @Test("a script whose interpreter is missing: 127, as a shell gives it", arguments: ["never", "always"])
    func missingInterpreter(tty: String) throws {
        let script = Harness.temporaryFolder() + "/bad-interpreter"
        try "#!/nonexistent/interpreter\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["-q", "--tty", tty, "--", script], home: home)
        #expect(result.code == 127, "\(result.err)")
        #expect(result.err.contains("No such file or directory"), "\(result.err)")
        // The recorded reason gives the same status (it said 126).
        let reason = try Harness.export(home: home)["session"]?["end_state_reason"]?.stringValue
        #expect(reason?.hasSuffix("(exit 127)") == true, "\(reason ?? "")")
    }

    /// agentops-run's own helper mode gets agentops-run's environment for its loader: a
    /// value of bytes that are not UTF-8 must neither grow on the way (32 KiB of them
    /// became 128 KiB, E2BIG) nor reach the command changed.
    @Test("without the helper, a 40 KiB environment value that is not UTF-8 reaches the command exactly")
    func fallbackEnvironmentNotUTF8() throws {
        try besideHelper(nil) { run, _ in
            let shell = #"V="$(head -c 40000 /dev/zero | tr '\0' '\377')"; export V; "#
                + #"exec "$0" -q -- python3 -c 'import os; v = os.environb[b"V"]; print(len(v), set(v) == {255})'"#
            let result = Harness.run("/bin/sh", ["-c", shell, run], environment: Harness.environment(home: Harness.temporaryFolder()))
            #expect(result.code == 0, "\(result.err)")
            #expect(result.out == "40000 True\n", "\(result.err)")
        }
    }

    /// Foundation spawns by a `String` path: from a folder whose name is not UTF-8, the
    /// helper beside agentops-run could not be spawned, nor agentops-run itself, and every
    /// command failed with 126, blamed on the command (hostile pass, round 10).
    @Test("installed in a folder whose name is not UTF-8, commands still start", arguments: ["never", "always"])
    func folderNotUTF8(tty: String) throws {
        let shell = #"D="$2/$(printf 'lat\351')"; mkdir -p "$D" && cp "$0" "$1" "$D/" && "#
            + #"exec "$D/agentops-run" -q --tty "$3" -- sh -c 'echo "$0" ok'"#
        let result = Harness.run("/bin/sh", ["-c", shell, Harness.agentopsRun, Harness.execHelper,
                                             Harness.temporaryFolder(), tty],
                                 environment: Harness.environment(home: Harness.temporaryFolder()))
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.trimmingCharacters(in: .whitespacesAndNewlines) == "sh ok", "\(result.err)")
    }

    /// Runs `body` with a hard link (or copy) of agentops-run in a folder of its own and,
    /// beside it as agentops-run-exec, `script` (a symlink to /bin/true when nil); both
    /// are removed afterwards.
    func besideHelper(_ script: String?, _ body: (_ run: String, _ folder: String) throws -> Void) throws {
        let folder = Harness.temporaryFolder()
        let run = folder + "/agentops-run", helper = folder + "/agentops-run-exec"
        try #require(link(Harness.agentopsRun, run) == 0 || copyfile(Harness.agentopsRun, run))
        defer {
            unlink(run)
            unlink(helper)
        }
        if let script {
            // Close-on-exec: a child another test spawns meanwhile must not hold it open
            // for writing, or exec'ing the script fails with ETXTBSY.
            let fd = open(helper, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
            try #require(fd >= 0)
            let bytes = Array(script.utf8)
            #expect(write(fd, bytes, bytes.count) == bytes.count)
            close(fd)
        } else {
            try #require(symlink("/bin/true", helper) == 0)
        }
        try body(run, folder)
    }

    @Test("a foreign or stale agentops-run-exec beside agentops-run: one warning, the command runs once, no hang",
          arguments: 0..<foreignHelpers.count)
    func foreignHelper(index: Int) throws {
        let (name, script, seconds) = Self.foreignHelpers[index]
        let home = Harness.temporaryFolder()
        try besideHelper(script) { run, folder in
            let helper = folder + "/agentops-run-exec"
            let marker = folder + "/ran"
            let result = Harness.run(run, ["--tty", "never", "--", "/bin/sh", "-c", "echo x >> \(marker); echo hi; exit 3"],
                                     environment: Harness.environment(home: home), timeout: 30)
            #expect(result.code == 3, "\(name): \(result.err)")
            #expect(result.out == "hi\n", "\(name)")
            #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "x\n", "\(name): the command ran once")
            let warnings = result.err.split(separator: "\n").filter { $0.contains("is not agentops-run's exec helper") }
            #expect(warnings.count == 1, "\(name): \(result.err)")
            #expect(warnings.first?.hasPrefix("agentops-run: warning: \(helper) ") == true, "\(name): \(result.err)")
            #expect(!result.err.contains("oops") && !result.err.contains("not meant to be run"), "\(name): \(result.err)")
            if script?.contains("protocol 3") == true {
                #expect(result.err.contains("(it speaks protocol 3)"), "\(name): \(result.err)")
            }
            #expect(result.seconds < seconds, "\(name): took \(result.seconds) s")
            // Only the sleeper's case looks for its sleep: the cases run in parallel.
            let sleep = ["sleep 41.5", "sleep 42.5"].first { script?.contains($0) == true }
            let leftovers = survivors(containing: [helper] + (sleep.map { [$0] } ?? []))
            #expect(leftovers.isEmpty, "\(name): the foreign helper's group was killed")
        }
    }

    @Test("agentops-run-exec being replaced (open for writing: ETXTBSY): the warning says it is busy, the command runs once")
    func helperBeingReplaced() throws {
        let folder = Harness.temporaryFolder()
        let home = Harness.temporaryFolder()
        let run = folder + "/agentops-run", helper = folder + "/agentops-run-exec"
        try #require(link(Harness.agentopsRun, run) == 0 || copyfile(Harness.agentopsRun, run))
        try #require(copyfile(Harness.binFolder + "/agentops-run-exec", helper) && chmod(helper, 0o755) == 0)
        defer {
            unlink(run)
            unlink(helper)
        }
        let marker = folder + "/ran"
        let arguments = ["--tty", "never", "--", "/bin/sh", "-c", "echo x >> \(marker); echo hi; exit 3"]
        // Held open for writing, as an installer copying over it in place does: the
        // kernel refuses to exec it (ETXTBSY) until it is closed.
        let writer = open(helper, O_WRONLY | O_CLOEXEC)
        try #require(writer >= 0)
        let busy = Harness.run(run, arguments, environment: Harness.environment(home: home), timeout: 30)
        close(writer)
        #expect(busy.code == 3, "\(busy.err)")
        #expect(busy.out == "hi\n")
        #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "x\n", "the command ran once")
        let warnings = busy.err.split(separator: "\n").filter { $0.contains("warning") }
        #expect(warnings == ["agentops-run: warning: \(helper) is busy (Text file busy: it is being replaced); "
            + "starting the command through agentops-run itself"], "\(busy.err)")
        // Once the writer is done, the helper is used again, without a word.
        let after = Harness.run(run, arguments, environment: Harness.environment(home: home), timeout: 30)
        #expect(after.code == 3 && after.out == "hi\n", "\(after.err)")
        #expect(!after.err.contains("warning"), "\(after.err)")
    }

    /// How the command is started in `startRecordFirst`: beside which helper.
    enum HelperSetup: String, CaseIterable, CustomStringConvertible {
        case ownHelper = "agentops-run-exec"
        case noHelper = "agentops-run's own helper mode"
        case foreignHelper = "agentops-run's own helper mode after a foreign helper"
        var description: String { rawValue }
    }

    /// The session's start is written while the helper starts up (issue 18), but the
    /// command may start only once it is in the log whole: a command reading the log at
    /// once must find the start record, host environment and all, on every launch path
    /// (the fallbacks launch a second time).
    @Test("the command starts only once the session's start is in the log, whole", arguments: HelperSetup.allCases)
    func startRecordFirst(setup: HelperSetup) throws {
        let home = Harness.temporaryFolder()
        var run = Harness.agentopsRun
        let folder = Harness.temporaryFolder()
        if setup != .ownHelper {
            run = folder + "/agentops-run"
            try #require(link(Harness.agentopsRun, run) == 0 || copyfile(Harness.agentopsRun, run))
        }
        let helper = folder + "/agentops-run-exec"
        if setup == .foreignHelper { try #require(symlink("/bin/true", helper) == 0) }
        defer {
            unlink(helper)
            if setup != .ownHelper { unlink(run) }
        }
        let read = "head -n 1 \"$AGENTOPS_HOME/sessions/$AGENTOPS_SESSION_ID.jsonl\"; echo \"$AGENTOPS_SESSION_ID\""
        let result = Harness.run(run, ["-q", "--tty", "never", "--", "/bin/sh", "-c", read],
                                 environment: Harness.environment(home: home), timeout: 30)
        #expect(result.code == 0, "\(setup): \(result.err)")
        let lines = result.out.split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "\(setup): \(result.out)")
        let start = try JSONParser.parse(lines[0])
        #expect(start["record"] == .string("start"), "\(setup): \(lines[0])")
        #expect(start["session"]?["id"] == .string(lines[1]), "\(setup)")
        #expect(start["session"]?["host_env"]?["OS"]?["OS"] == .string("Linux"), "\(setup): \(lines[0])")
        #expect(start["session"]?["host_env"]?["Project Working Directory"] != nil, "\(setup): \(lines[0])")
    }

    /// Processes whose command line contains any of `texts`.
    private func survivors(containing texts: [String]) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { Int($0) != nil }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return texts.contains { line.contains($0) } ? line : nil
        }
    }

    @Test("agentops-run-exec run by hand says what it is and does nothing")
    func helperByHand() {
        let helper = Harness.binFolder + "/agentops-run-exec"
        let result = Harness.run(helper, ["echo", "hi"], environment: Harness.environment(home: Harness.temporaryFolder()))
        #expect(result.code == 2)
        #expect(result.out.isEmpty)
        #expect(result.err == "agentops-run-exec: agentops-run's helper that starts its command; not meant to be run directly\n")
    }

    /// On x86-64 the helper is linked with `CExecRuntime`, not glibc, whose start-up ran
    /// dozens of CPUID instructions (each a trap to the hypervisor on a VM) before the
    /// helper could say its hello: 0.7 ms on the path to every command (issue 18,
    /// round 13). Linked with glibc again, the binary would name `__libc_start_main`; a
    /// thread-local variable would need a TLS segment its `_start` does not set up.
    @Test("agentops-run-exec starts without glibc: no loader, no TLS segment, no glibc start-up",
          .enabled(if: Harness.isX86_64))
    func helperWithoutGlibc() throws {
        let bytes = try #require(FileManager.default.contents(atPath: Harness.execHelper).map(Array.init))
        func integer(at offset: Int, size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        try #require(bytes.count > 64 && bytes[0..<4] == [0x7F, 0x45, 0x4C, 0x46])
        let (start, size, count) = (integer(at: 0x20, size: 8), integer(at: 0x36, size: 2), integer(at: 0x38, size: 2))
        try #require(start + size * count <= bytes.count)
        let types = (0..<count).map { integer(at: start + $0 * size, size: 4) }
        #expect(!types.contains(3), "PT_INTERP: a dynamic loader")
        #expect(!types.contains(7), "PT_TLS: thread-local storage")
        #expect(!String(decoding: bytes, as: UTF8.self).contains("__libc_start_main"))
    }

    private func copyfile(_ from: String, _ to: String) -> Bool {
        Harness.copyExecutable(from, to: to)
    }
}
