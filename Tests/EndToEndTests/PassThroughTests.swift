import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("Output passes through byte for byte")
struct PassThroughTests {
    /// Deterministic pseudo-random bytes, every value 0–255 present.
    static func noise(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    @Test("random binary data on both streams arrives unchanged and apart")
    func binaryBothStreams() throws {
        let home = Harness.temporaryFolder()
        let out = Self.noise(count: 3 << 20, seed: 1)
        let err = Self.noise(count: 1 << 20, seed: 2)
        try Data(out).write(to: URL(fileURLWithPath: home + "/out.bin"))
        try Data(err).write(to: URL(fileURLWithPath: home + "/err.bin"))
        let result = Harness.wrap(["sh", "-c", "cat \(home)/out.bin; cat \(home)/err.bin >&2; cat \(home)/out.bin"],
                                    home: home, timeout: 120)
        #expect(result.code == 0)
        #expect(result.stdout == out + out)
        #expect(result.stderr.starts(with: err))
        #expect(result.stderr.count > err.count, "the closing lines follow the command's stderr")
    }

    @Test("no newline is added and stdout stays stdout")
    func streamsApart() {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["--quiet", "sh", "-c", "printf out; printf err >&2; printf '\\r\\0x'"], home: home)
        #expect(result.stdout == Array("out\r\0x".utf8))
        #expect(result.stderr == Array("err".utf8))
    }

    @Test("arguments reach the command exactly, with no shell in between")
    func argumentsExact() throws {
        let home = Harness.temporaryFolder()
        let arguments = ["a b", "", "'single'", "\"double\"", "*", "$HOME", "back\\slash", "new\nline", "-t", "--"]
        let script = "import json, sys; print(json.dumps(sys.argv[1:]))"
        let result = Harness.wrap(["-q", "--", "python3", "-c", script] + arguments, home: home)
        #expect(result.code == 0)
        let received = try JSONParser.parse(result.stdout)
        #expect(received == .array(arguments.map { .string($0) }))
    }

    @Test("argv[0] is the name the command was given, as a shell passes it, not the path found",
          arguments: ["never", "always"])
    func argumentZero(tty: String) {
        let home = Harness.temporaryFolder()
        for name in ["sh", "/bin/sh", "./sh"] {
            let folder = name == "./sh" ? home : "/"
            let result = Harness.run("/bin/sh", ["-c", #"cd "$1" && [ "$2" != ./sh ] || ln -sf /bin/sh sh; "#
                                                 + #"exec "$0" -q --tty "$3" -- "$2" -c 'echo "$0"'"#,
                                                 Harness.agentopsRun, folder, name, tty],
                                     environment: Harness.environment(home: home))
            #expect(result.out.trimmingCharacters(in: .whitespacesAndNewlines) == name, "\(result.out)\(result.err)")
        }
    }

    @Test("arguments, environment values and a command name that are not UTF-8 reach the command byte for byte")
    func notUTF8Exact() throws {
        let home = Harness.temporaryFolder()
        // Python gives back the bytes it was started with (`os.fsencode`, `environb`), as hex.
        let script = "import os, sys; print(*(os.fsencode(a).hex() for a in sys.argv[1:]), os.environb[b'RAW'].hex())"
        // Made by the shell: Swift strings cannot hold these bytes. A Latin-1 word, UTF-8
        // of the escape range and of a surrogate, valid UTF-8; an environment value of
        // raw bytes and an overlong NUL.
        let shell = #"RAW="$(printf 'a\377\376\300\200')" exec "$0" -q -- python3 -c "$1" "$(printf 'caf\351')" "#
            + #""$(printf '\364\217\277\277|\355\240\200')" 'héllo'"#
        let result = Harness.run("/bin/sh", ["-c", shell, Harness.agentopsRun, script],
                                 environment: Harness.environment(home: home))
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out == "636166e9 f48fbfbf7ceda080 68c3a96c6c6f 61fffec080\n")

        // Found through PATH under its Latin-1 name, and recorded with U+FFFD for the byte.
        let folder = home + "/bin"
        let byName = #"mkdir "$1" && printf '#!/bin/sh\necho ran "$@"\n' > "$1/$(printf 'caf\351')" && "#
            + #"chmod +x "$1/$(printf 'caf\351')" && PATH="$1" exec "$0" -q -- "$(printf 'caf\351')" "$(printf '\377')""#
        let found = Harness.run("/bin/sh", ["-c", byName, Harness.agentopsRun, folder],
                                environment: Harness.environment(home: home))
        #expect(found.code == 0, "\(found.err)")
        #expect(found.stdout == Array("ran ".utf8) + [0xFF, 0x0A])
        let sessions = Harness.tool(["sessions", "--json"], home: home)
        let listed = try JSONParser.parse(sessions.stdout)
        #expect(listed.arrayValue?.contains { $0["command"] == .array([.string("caf\u{FFFD}"), .string("\u{FFFD}")]) } == true)
    }

    @Test("a command name holding control characters is shown escaped in agentops-run's lines, never sent raw")
    func controlCharactersInName() {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["--", "bad\u{1B}]0;pwned\u{07}\nname"], home: home)
        #expect(result.code == 127)
        #expect(!result.stderr.contains(0x1B) && !result.stderr.contains(0x07), "\(result.err)")
        #expect(result.err.contains("bad\\e]0;pwned\\x07\\nname: command not found"), "\(result.err)")
        #expect(result.err.contains("Fail: Command not found: bad\\e]0;pwned\\x07\\nname (exit 127)"), "\(result.err)")
    }

    @Test("stdin and the working directory are inherited")
    func stdinInherited() {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["-q", "sh", "-c", "cat; pwd"], home: home, stdin: Array("typed\n".utf8))
        #expect(result.out == "typed\n" + FileManager.default.currentDirectoryPath + "\n")
    }

    @Test("started with stdout closed, the command still runs and its output is recorded")
    func closedStdout() throws {
        let home = Harness.temporaryFolder()
        let child = "echo recorded; readlink /proc/$PPID/fd/1 >&2"
        let result = Harness.run("/bin/sh", ["-c", "exec \(Harness.agentopsRun) -q -- sh -c '\(child)' >&-"],
                                 environment: Harness.environment(home: home))
        #expect(result.code == 0)
        // agentops-run's own stdout is /dev/null, not one of its pipes.
        #expect(result.err == "/dev/null\n")
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs == ["recorded"])
    }
}

@Suite("Order between stdout and stderr", .serialized)
struct StreamOrderTests {
    /// The lines `script` (Python) writes through agentops-run into one file (`2>&1`),
    /// in the best of three runs: order holds when the output thread reads each write
    /// before the next lands; on an oversubscribed machine (the whole suite in parallel
    /// on 2 cores) it can miss a 1 ms window now and then. The old per-stream threads put
    /// every stderr line first in every run, so the best of three still tells them apart.
    static func merged(_ script: String, expected: [String]) throws -> [String] {
        let home = Harness.temporaryFolder()
        let file = home + "/both"
        var lines: [String] = []
        for _ in 0..<3 {
            let result = Harness.run("/bin/sh", ["-c", "exec \"$0\" -q --tty never -- python3 -c \"$1\" > \"$2\" 2>&1",
                                                 Harness.agentopsRun, script, file],
                                     environment: Harness.environment(home: home))
            #expect(result.code == 0)
            lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
            if lines == expected { break }
        }
        return lines
    }

    @Test("40 alternating flushed stdout/stderr lines 1 ms apart keep their order through pipes into one file")
    func alternatingLinesKeepOrder() throws {
        let script = "import sys, time\nfor i in range(40):\n    s = sys.stdout if i % 2 == 0 else sys.stderr\n"
            + "    s.write(f'line {i}\\n'); s.flush(); time.sleep(0.001)\n"
        let expected = (0..<40).map { "line \($0)" }
        let lines = try Self.merged(script, expected: expected)
        #expect(lines == expected, "\(lines)")
    }

    /// After a pipe's turn that read 4 KiB or more the output thread waits 0.2 ms for the
    /// pipe to fill (a flood's writer is then not woken at every write,
    /// `StreamPump.floodPause`): blocks that size still keep their order with the other
    /// stream's lines 1 ms apart.
    @Test("8 KiB stdout blocks and stderr lines 1 ms apart keep their order through the pause after a large read")
    func largeBlocksKeepOrder() throws {
        let script = "import sys, time\nfor i in range(40):\n"
            + "    if i % 2 == 0: sys.stdout.write(f'block {i} ' + 'x' * 8192 + '\\n'); sys.stdout.flush()\n"
            + "    else: sys.stderr.write(f'line {i}\\n'); sys.stderr.flush()\n    time.sleep(0.001)\n"
        let expected = (0..<40).map { $0 % 2 == 0 ? "block \($0) " + String(repeating: "x", count: 8192) : "line \($0)" }
        let lines = try Self.merged(script, expected: expected)
        #expect(lines == expected, "\(lines.map { $0.prefix(12) })")
    }
}
