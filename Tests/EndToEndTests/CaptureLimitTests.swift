import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

@Suite("Capture limits")
struct CaptureLimitTests {
    @Test("over the limit: the head, one exact marker, the tail; every byte accounted for")
    func headMarkerTail() throws {
        let home = Harness.temporaryFolder()
        let total = 200_000
        let result = Harness.wrap(["-q", "--capture-limit", "64k", "seq", "1", "\(total)"], home: home)
        #expect(result.code == 0)
        let streamed: Int = (1...total).reduce(0) { $0 + String($1).utf8.count + 1 }
        #expect(result.stdout.count == streamed, "pass-through is whole")
        let actions = try Harness.export(home: home).list("actions")
        let markers = actions.filter { $0["action_type"] == .string("capture_limit") }
        try #require(markers.count == 1)
        let marker = try #require(markers[0]["logs"]?.stringValue)
        let numbers = marker.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let (omittedLines, omittedBytes) = (numbers[0], numbers[1])

        let index = try #require(actions.firstIndex { $0["action_type"] == .string("capture_limit") })
        func lines(_ slice: ArraySlice<JSONValue>) -> [Int] {
            slice.compactMap { $0["logs"]?.stringValue }.joined(separator: "\n").split(separator: "\n")
                .compactMap { Int($0) }
        }
        let head = lines(actions[..<index])
        let tail = lines(actions[(index + 1)...])
        #expect(head == Array(1...head.count), "the head is the first lines, in order")
        #expect(tail == Array((total - tail.count + 1)...total), "the tail is the last lines, in order")
        #expect(head.count + omittedLines + tail.count == total)
        let bytes = { (numbers: [Int]) in numbers.reduce(0) { $0 + String($1).utf8.count + 1 } }
        #expect(bytes(head) + omittedBytes + bytes(tail) == result.stdout.count)
        #expect(bytes(head) + bytes(tail) <= 64 << 10)
        #expect(marker == "[agentops-run: capture limit reached: \(omittedLines) lines (\(omittedBytes) bytes) "
            + "of stdout left out here]")
    }

    @Test("just over the head, under the limit: every line recorded, no marker")
    func borderLineRecorded() throws {
        let home = Harness.temporaryFolder()
        let result = Harness.wrap(["-q", "--capture-limit", "4096", "sh", "-c",
                                   "head -c 2045 /dev/zero | tr '\\0' a; echo; echo hello"], home: home)
        #expect(result.code == 0)
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs.joined(separator: "\n") == String(repeating: "a", count: 2045) + "\nhello", "\(logs)")
    }

    /// The head filled at a run's last whole line, with the chunk ending in the middle of
    /// the next line: that unfinished line was held back and recorded at the stream's
    /// end, out of place ("line 19191", "19192", …, "end", "line "). Found while testing
    /// the second hostile pass's findings, round 10.
    @Test("the head full where a chunk ends mid-line: that line is recorded whole, in its place")
    func borderChunkEndsMidLine() throws {
        let home = Harness.temporaryFolder()
        let script = "import sys, time\nw = sys.stdout.write\nw('a' * 2040 + '\\nborderline\\npart')\n"
            + "sys.stdout.flush(); time.sleep(0.3)\nw('ial\\nlast\\n')\n"
        let result = Harness.wrap(["-q", "--capture-limit", "4096", "python3", "-c", script], home: home)
        #expect(result.code == 0, "\(result.err)")
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs.joined(separator: "\n") == String(repeating: "a", count: 2040) + "\nborderline\npartial\nlast", "\(logs)")
    }

    /// A line over 64 KiB at the border of head and tail, below the limit, was counted as
    /// left out (a marker, the line missing) where any other line over 64 KiB is recorded
    /// cut (second hostile pass, round 10).
    @Test("a cut line at the border below the limit is recorded cut, with no marker")
    func cutBorderLine() throws {
        let home = Harness.temporaryFolder()
        let script = "import sys\nfor i in range(199): print('%999d' % i)\nprint('y' * 70000)\nprint('after')\n"
        let result = Harness.wrap(["-q", "--capture-limit", "400000", "python3", "-c", script], home: home)
        #expect(result.code == 0, "\(result.err)")
        let actions = try Harness.export(home: home).list("actions")
        #expect(!actions.contains { $0["action_type"] == .string("capture_limit") })
        let lines = actions.compactMap { $0["logs"]?.stringValue }.joined(separator: "\n").split(separator: "\n")
        #expect(lines.count == 201)
        #expect(lines.dropLast().last == Substring(String(repeating: "y", count: 65536)
            + " [agentops-run: line cut, 4464 bytes left out]"))
        #expect(lines.last == "after")
    }

    /// The tail's long lines were cut before they were redacted: a secret across the cut
    /// had its start recorded ("…yyysupersec [agentops-run: line cut, …]"); the head's
    /// were redacted first, but a cut inside the `[REDACTED]` left "[REDACTE" (second
    /// hostile pass, round 10).
    @Test("a secret across the 64 KiB cut: neither its start nor half a [REDACTED] is recorded, head or tail",
          arguments: [0, 30000])
    func secretAcrossCut(linesBefore: Int) throws {
        let home = Harness.temporaryFolder()
        let secret = "supersecretvalue123456"
        let script = "import os, sys\nfor i in range(\(linesBefore)): print('line', i)\n"
            + "print('y' * 65528 + os.environ['MY_SECRET_TOKEN'])\nprint('end')\n"
        let result = Harness.wrap(["-q", "--capture-limit", "400000", "python3", "-c", script], home: home,
                                  extra: ["MY_SECRET_TOKEN": secret])
        #expect(result.code == 0, "\(result.err)")
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }.joined(separator: "\n")
        #expect(!logs.contains("supersec") && !logs.contains("[REDACTE "), "\(logs.suffix(200))")
        #expect(logs.contains(String(repeating: "y", count: 65528) + " [agentops-run: line cut, 22 bytes left out]\nend"),
                "\(logs.suffix(200))")
    }

    @Test("--capture-limit 0 records no output, only what was left out")
    func zero() throws {
        let home = Harness.temporaryFolder()
        _ = Harness.wrap(["-q", "--capture-limit", "0", "sh", "-c", "echo a; echo bb >&2"], home: home)
        let export = try Harness.export(home: home)
        #expect(Set(export.list("actions").compactMap { $0["logs"]?.stringValue }) == [
            "[agentops-run: capture limit reached: 1 lines (2 bytes) of stdout left out here]",
            "[agentops-run: capture limit reached: 1 lines (3 bytes) of stderr left out here]",
        ])
        #expect(export.list("errors").isEmpty)
        #expect(Harness.wrap(["--capture-limit", "lots", "true"], home: home).code == 125)
    }

    @Test("memory stays flat: 1 GiB of output and a 200 MB line with no newline", arguments: [
        ["head", "-c", "1073741824", "/dev/zero"],
        ["sh", "-c", "head -c 200000000 /dev/zero | tr '\\\\0' x"],
    ])
    func flatMemory(command: [String]) throws {
        let home = Harness.temporaryFolder()
        // Peak RSS through /usr/bin/time, which forks: a process spawned straight from the
        // test runner (posix_spawn, a vfork) would start with the runner's own high-water
        // mark folded into its ru_maxrss.
        let rssFile = home + "/rss"
        let time = "/usr/bin/time"
        try #require(access(time, X_OK) == 0, "/usr/bin/time is needed (Debian package 'time')")
        let wrapped = command.map(ShellQuoting.quote).joined(separator: " ")
        let result = Harness.run("/bin/sh", ["-c", "\(time) -f %M -o \(rssFile) \(Harness.agentopsRun) -q -- \(wrapped) | wc -c"],
                                 environment: Harness.environment(home: home), timeout: 240)
        #expect(result.code == 0)
        let expected = command.contains("/dev/zero") && command.count == 4 ? 1_073_741_824 : 200_000_000
        #expect(result.out.trimmingCharacters(in: .whitespacesAndNewlines) == String(expected))
        let peakKiB = Int(try String(contentsOfFile: rssFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(peakKiB > 1024 && peakKiB < 40 * 1024, "peak RSS \(peakKiB) KiB")
        let logs = try Harness.export(home: home).list("actions").compactMap { $0["logs"]?.stringValue }
        #expect(logs.count == 1 && logs[0].hasSuffix("bytes left out]"))
    }
}
