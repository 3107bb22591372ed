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
