import Foundation
import Glibc
import Testing
import TestSupport
@testable import AgentOpsKit

@Suite("agentops-run options and command resolution")
struct OptionsTests {
    @Test("options end at '--' or at the first non-option; the command keeps its own options")
    func parsing() throws {
        let options = try RunOptions.parse(["-t", "a,b", "--tag=c", "-td", "-q", "ls", "-l", "--tag", "x"])
        #expect(options.tags == ["a,b", "c", "d"])
        #expect(options.quiet)
        #expect(options.command == ["ls", "-l", "--tag", "x"])
        #expect(try RunOptions.parse(["--", "-weird"]).command == ["-weird"])
        #expect(try RunOptions.parse(["--session-id", "123E4567-E89B-42D3-A456-426614174000", "true"]).sessionID?.value
            == "123e4567-e89b-42d3-a456-426614174000")
        #expect(try RunOptions.parse(["--new-session", "true"]).newSession)
    }

    @Test("usage errors", arguments: [
        [String](), ["--"], ["--nope", "x"], ["-t"], ["--session-id", "nope", "x"],
        ["--session-id", "123e4567-e89b-42d3-a456-426614174000", "--new-session", "x"],
    ])
    func usageErrors(arguments: [String]) {
        #expect(throws: UsageError.self) { try RunOptions.parse(arguments) }
    }

    @Test("PATH search: first executable wins, non-executable only gives 126, missing 127")
    func resolution() throws {
        let folder = ScratchFolder.make("agentops-path")
        let plain = folder + "/plain"
        let runnable = folder + "/bin2/tool"
        mkdir(folder + "/bin2", 0o755)
        FileManager.default.createFile(atPath: plain, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
        FileManager.default.createFile(atPath: runnable, contents: Data("x".utf8), attributes: [.posixPermissions: 0o755])
        FileManager.default.createFile(atPath: folder + "/tool", contents: Data(), attributes: [.posixPermissions: 0o644])

        #expect(try CommandResolver.resolve("tool", searchPath: "\(folder):\(folder)/bin2") == runnable)
        #expect(try CommandResolver.resolve("sh", searchPath: "/nonexistent:/bin") == "/bin/sh")
        #expect(throws: LaunchError.notExecutable(path: plain, reason: "Permission denied")) {
            try CommandResolver.resolve("plain", searchPath: folder)
        }
        #expect(throws: LaunchError.commandNotFound(name: "nothing-here", searchPath: folder)) {
            try CommandResolver.resolve("nothing-here", searchPath: folder)
        }
        #expect(throws: LaunchError.noSuchFile(path: folder + "/missing")) {
            try CommandResolver.resolve(folder + "/missing", searchPath: nil)
        }
        #expect(try CommandResolver.resolve(runnable, searchPath: "") == runnable)
        #expect(LaunchError.commandNotFound(name: "x", searchPath: "").exitCode == 127)
        #expect(LaunchError.notExecutable(path: "x", reason: "").exitCode == 126)
    }

    @Test("a refusal carries the errno of the call that refused the file, and reads as the C library's text")
    func refusalCarriesTheErrno() throws {
        let folder = ScratchFolder.make("agentops-refusal")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plain = folder + "/plain"
        FileManager.default.createFile(atPath: plain, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])

        #expect(throws: LaunchError.notExecutable(path: plain, reason: .system(SystemError(code: EACCES)))) {
            try CommandResolver.resolve(plain, searchPath: nil)
        }
        #expect(throws: LaunchError.notExecutable(path: folder, reason: "Is a directory")) {
            try CommandResolver.resolve(folder, searchPath: nil)
        }
        let busy = LaunchError.notExecutable(path: "/x", reason: .system(.textFileBusy))
        #expect(busy.description == "/x: cannot execute: Text file busy")
        // The same words without the code are not the busy case: it is told by the number.
        #expect(LaunchError.Refusal.text("Text file busy") != .system(.textFileBusy))
    }

    @Test("signal names")
    func signalNames() {
        #expect(SignalNames.name(of: SIGTERM) == "SIGTERM")
        #expect(SignalNames.number(of: "term") == SIGTERM)
        #expect(SignalNames.number(of: "SIGKILL") == SIGKILL)
        #expect(SignalNames.number(of: "9") == 9)
        #expect(SignalNames.number(of: "NOPE") == nil)
    }
}

@Suite("Durations and interventions")
struct DurationTests {
    @Test("durations as users write them")
    func durations() {
        #expect(DurationParser.seconds("90s") == 90)
        #expect(DurationParser.seconds("5m") == 300)
        #expect(DurationParser.seconds("1h30m") == 5400)
        #expect(DurationParser.seconds("250ms") == 0.25)
        #expect(DurationParser.seconds("1.5") == 1.5)
        #expect(DurationParser.seconds("2") == 2)
        #expect(DurationParser.seconds("1d") == 86400)
        for bad in ["", "-1", "5x", "m", "1h30", "inf", "nan", "1e3"] {
            #expect(DurationParser.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test("--timeout, --signal and --kill-after parse; 0 means no timeout")
    func timeoutOptions() throws {
        let options = try RunOptions.parse(["--timeout", "1m", "-s", "INT", "-k", "5s", "cmd"])
        #expect(options.timeout == 60 && options.timeoutSignal == SIGINT && options.killAfter == 5)
        #expect(try RunOptions.parse(["--timeout=0", "cmd"]).timeout == nil)
        #expect(throws: UsageError.self) { try RunOptions.parse(["--signal", "BOGUS", "cmd"]) }
    }

    @Test("exit of agentops-run: 124 timed out, 137 killed, otherwise the command's")
    func wrapperExit() {
        let timedOut = Supervisor.Intervention.timedOut(after: 1, signal: SIGTERM)
        #expect(EndReason.wrapperExit(exit: .signaled(SIGTERM, coreDumped: false), interventions: [timedOut])
            == .code(124))
        #expect(EndReason.wrapperExit(exit: .exited(0), interventions: [timedOut]) == .code(124))
        #expect(EndReason.wrapperExit(exit: .signaled(SIGKILL, coreDumped: false),
                                      interventions: [timedOut, .killed(after: 1)]) == .code(137))
        #expect(EndReason.wrapperExit(exit: .signaled(SIGKILL, coreDumped: false), interventions: [.interruptedTwice,
                                      .killed(after: 1)]) == .signal(SIGKILL))
        #expect(EndReason.wrapperExit(exit: .exited(7), interventions: []) == .code(7))
        #expect(EndReason.of(exit: .exited(0), forwardedSignals: [], interventions: [timedOut]).0 == .fail)
    }

    /// Bytes that are not UTF-8 are kept as escapes inside agentops-run (`SystemString`);
    /// a message showed them as such (U+10FFFF for `\xff`: second hostile pass, round 10).
    @Test("a value that is not UTF-8 is shown with U+FFFD in a usage error, never as agentops-run's escape")
    func usageErrorShowsBytes() {
        let value = SystemString.decode([0x61, 0xFF])
        #expect(UsageError.invalidSessionID(source: "AGENTOPS_SESSION_ID", value: value).description
            .hasPrefix("AGENTOPS_SESSION_ID 'a\u{FFFD}' is not a session id"))
        #expect(UsageError.unknownOption(value).description == "unknown option 'a\u{FFFD}' (see --help)")
    }
}
