import Foundation
import Glibc
import Testing
@testable import AgentOpsKit

/// Reading a log back in 256 KiB reads: lines parsed where they lie, lines that straddle
/// reads completed, over-long lines skipped as they stream past, offsets exact.
@Suite("Session log reading")
struct SessionLogReadingTests {
    static let id = SessionID("3f0c8d1e-5b2a-4c6f-9e7d-1a2b3c4d5e6f")!

    static func line(_ record: StoreRecord) -> [UInt8] {
        var bytes: [UInt8] = []
        record.writeLine(into: &bytes)
        return bytes
    }

    static func output(_ count: Int, _ fill: Character) -> StoreRecord {
        let time = Timestamp(microseconds: 1_000_000)
        return .event(.stdout(String(repeating: fill, count: count), from: time, to: time, session: id))
    }

    @Test("a reader that takes no events passes over event lines unparsed, and still ends where the log ends")
    func withoutEvents() throws {
        let time = Timestamp(microseconds: 1_000_000)
        let start = StoreRecord.start(Session(id: Self.id, initTimestamp: time, tags: [], hostEnv: .null,
                                              command: ["x"]))
        let end = StoreRecord.end(.init(timestamp: time, state: .success, reason: "done"))
        var bytes = Self.line(start) + Self.line(Self.output(10, "a")) + Self.line(.tagsAdded(["t"]))
        bytes += Array("{\"record\":\"event\",\"event\":{broken\n".utf8) + Self.line(end)
        let path = StoreTests.folder() + "/log.jsonl"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))

        var read: [StoreRecord] = []
        let (problems, offset) = try SessionLog.read(path: path, from: 0, events: false) { record, _ in
            read.append(record)
        }
        #expect(read == [start, .tagsAdded(["t"]), end])
        #expect(problems.isEmpty, "an event line is not looked into")
        #expect(offset == bytes.count)
        let summary = try SessionLog.summary(path: path, events: false)
        #expect(summary.eventCount == 0 && summary.session.tags == ["t"] && summary.end?.reason == "done")
        // Read in full, the same log has its event and its broken line.
        #expect(try SessionLog.read(path: path, from: 0) { _, _ in }.problems.count == 1)
        #expect(try SessionLog.summary(path: path).eventCount == 1)
    }

    @Test("records around, across and over read boundaries come back whole, with their end offsets")
    func boundaries() throws {
        let start = StoreRecord.start(Session(id: Self.id, initTimestamp: Timestamp(microseconds: 1_000_000),
                                              tags: [], hostEnv: .null, command: ["x"]))
        // Sizes chosen so lines end just before, at and just after a 1 MiB offset (a read
        // boundary), one spans several reads, and one is over the 8 MiB limit.
        var lines: [[UInt8]] = [Self.line(start)]
        var expected: [StoreRecord] = [start]
        let sizes = [(1 << 20) - lines[0].count - 300, 1, 2, (1 << 20) - 5, 3 << 20, 10, 9 << 20, 7, 100_000]
        for (index, size) in sizes.enumerated() {
            let record = Self.output(size, index % 2 == 0 ? "a" : "é")
            lines.append(Self.line(record))
            if Self.line(record).count <= SessionLog.maxLineBytes + 1 { expected.append(record) }
        }
        lines.insert(Array("{\"record\": \"event\", broken\n".utf8), at: 3)
        var bytes = lines.flatMap { $0 }
        bytes += Array("{\"record\":\"tags\"".utf8)  // a truncated last line
        let folder = StoreTests.folder()
        let path = folder + "/log.jsonl"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))

        var read: [StoreRecord] = []
        var ends: [Int] = []
        let (problems, end) = try SessionLog.read(path: path, from: 0) { record, offset in
            read.append(record)
            ends.append(offset)
        }
        #expect(read == expected)
        var offset = 0
        var lineEnds: [Int] = []
        for line in lines {
            offset += line.count
            lineEnds.append(offset)
        }
        let overLong = lines.firstIndex { $0.count > SessionLog.maxLineBytes + 1 }!
        #expect(ends == lineEnds.enumerated().filter { $0.offset != 3 && $0.offset != overLong }.map(\.element))
        #expect(end == lineEnds.last!)
        #expect(problems.map(\.line) == [4, overLong + 1, lines.count + 1])
        #expect(problems[1].reason.contains("over the 8 MiB limit"))
        #expect(problems[2].reason.contains("truncated last line"))

        // Resuming at a record boundary gives the rest, with the same offsets.
        var rest: [Int] = []
        _ = try SessionLog.read(path: path, from: ends[4]) { _, offset in rest.append(offset) }
        #expect(rest == Array(ends[5...]))
    }
}
