import Testing
@testable import AgentOpsKit

@Suite("Line splitting and burst grouping")
struct CaptureTests {
    struct Collected: Equatable {
        var text: String
        var dropped: Int
    }

    /// Splits `chunks` (fed one by one) into lines.
    static func split(_ chunks: [String], limit: Int = 1000) -> [Collected] {
        var splitter = LineSplitter(maxLineBytes: limit)
        var lines: [Collected] = []
        let collect: (LineSplitter.Line) -> Void = { line in
            lines.append(Collected(text: String(decoding: line.bytes, as: UTF8.self), dropped: line.droppedBytes))
        }
        for chunk in chunks {
            Array(chunk.utf8).withUnsafeBytes { splitter.feed($0, at: Timestamp(microseconds: 0), line: collect) }
        }
        splitter.finish(line: collect)
        return lines
    }

    @Test("lines across chunk boundaries, empty lines, and an unterminated last line")
    func splitting() {
        #expect(Self.split(["a\nb", "c\n\nd"]) == [
            Collected(text: "a", dropped: 0), Collected(text: "bc", dropped: 0), Collected(text: "", dropped: 0),
            Collected(text: "d", dropped: 0),
        ])
        #expect(Self.split(["", "x\n"]) == [Collected(text: "x", dropped: 0)])
    }

    @Test("overlong lines keep the head and count exactly what was left out")
    func cutting() {
        #expect(Self.split(["abcdefgh\n"], limit: 3) == [Collected(text: "abc", dropped: 5)])
        #expect(Self.split(["ab", "cdef", "gh\nz"], limit: 3) == [
            Collected(text: "abc", dropped: 5), Collected(text: "z", dropped: 0),
        ])
        // "é" is two bytes: a cut inside it backs off to the character boundary.
        #expect(Self.split(["aé\n"], limit: 2) == [Collected(text: "a", dropped: 2)])
        #expect(Self.split(["a", "é", "z\n"], limit: 2) == [Collected(text: "a", dropped: 3)])
    }

    @Test("a huge line without newline stays bounded in memory")
    func hugeLine() {
        var splitter = LineSplitter(maxLineBytes: 16)
        let chunk = [UInt8](repeating: 0x41, count: 1 << 16)
        for _ in 0..<64 {
            chunk.withUnsafeBytes { splitter.feed($0, at: Timestamp(microseconds: 0)) { _ in } }
        }
        var result: (Int, Int)?
        splitter.finish { result = ($0.bytes.count, $0.droppedBytes) }
        #expect(result?.0 == 16 && result?.1 == (1 << 22) - 16)
    }

    static func line(_ text: String, at micros: Int64, dropped: Int = 0, _ body: (LineSplitter.Line) -> Void) {
        Array(text.utf8).withUnsafeBytes {
            body(LineSplitter.Line(bytes: $0, droppedBytes: dropped, start: Timestamp(microseconds: micros)))
        }
    }

    @Test("lines within the window join one event; later lines start another")
    func grouping() {
        var grouper = BurstGrouper(limits: CaptureLimits(eventWindowMicroseconds: 100, maxLineBytes: 100,
                                                         maxEventBytes: 1000))
        var bursts: [BurstGrouper.Burst] = []
        let emit: (BurstGrouper.Burst) -> Void = { bursts.append($0) }
        Self.line("a", at: 0) { grouper.add($0, at: Timestamp(microseconds: 0), emit: emit) }
        Self.line("b", at: 50) { grouper.add($0, at: Timestamp(microseconds: 50), emit: emit) }
        #expect(grouper.deadline == Timestamp(microseconds: 100))
        Self.line("c", at: 150, dropped: 7) { grouper.add($0, at: Timestamp(microseconds: 150), emit: emit) }
        grouper.flushIfDue(at: Timestamp(microseconds: 200), emit: emit)
        #expect(bursts.count == 1)
        grouper.flushIfDue(at: Timestamp(microseconds: 250), emit: emit)
        #expect(bursts.map { String(decoding: $0.text, as: UTF8.self) }
            == ["a\nb", "c" + BurstGrouper.cutMarker(droppedBytes: 7)])
        #expect(bursts.map(\.lineCount) == [2, 1])
        #expect(bursts[0].start == Timestamp(microseconds: 0) && bursts[0].end == Timestamp(microseconds: 50))
        #expect(grouper.deadline == nil)
    }

    /// A 1 MiB buffer for every event, `ok` included, failed under `ulimit -v` after the
    /// command had run (hostile pass, round 10); a flood's event still gets room for a
    /// whole event at once, not doubling after doubling.
    @Test("a small event takes a small buffer, a flood's event one of a whole event's size")
    func eventBufferSizes() {
        var grouper = BurstGrouper(limits: .standard)
        var events: [BurstGrouper.Burst] = []
        Self.line("ok", at: 0) { grouper.add($0, at: Timestamp(microseconds: 0)) { events.append($0) } }
        grouper.flush { events.append($0) }
        let flood = Array(String(repeating: "line of a flood\n", count: 20_000).utf8)
        flood.withUnsafeBytes { grouper.add(lines: $0, at: Timestamp(microseconds: 1)) { events.append($0) } }
        grouper.flush { events.append($0) }
        #expect(events.count == 2)
        #expect(events[0].text.capacity < 8192)
        #expect(events[1].text.capacity >= 1 << 20 && events[1].text.capacity < 2 << 20)
    }

    @Test("window 0 makes one event per line; the byte cap closes big events early")
    func zeroWindowAndCap() {
        var perLine = BurstGrouper(limits: CaptureLimits(eventWindowMicroseconds: 0, maxLineBytes: 100,
                                                         maxEventBytes: 1000))
        var count = 0
        for _ in 0..<3 { Self.line("x", at: 0) { perLine.add($0, at: Timestamp(microseconds: 0)) { _ in count += 1 } } }
        #expect(count == 3)

        var capped = BurstGrouper(limits: CaptureLimits(eventWindowMicroseconds: 1_000_000, maxLineBytes: 100,
                                                        maxEventBytes: 10))
        var sizes: [Int] = []
        for _ in 0..<5 {
            Self.line("abcd", at: 0) { capped.add($0, at: Timestamp(microseconds: 0)) { sizes.append($0.lineCount) } }
        }
        capped.flush { sizes.append($0.lineCount) }
        #expect(sizes == [2, 2, 1])
    }

    /// Under a tight `ulimit -v` an event's room could not be had and Swift's allocation
    /// trap ended the run, the command's output cut short (second hostile pass, round
    /// 10). Lines there is no room for are left out and said so, in their place.
    @Test("lines there is no memory for become one note in their place; the lines around them are kept, in order",
          arguments: [false, true])
    func noRoom(byRuns: Bool) {
        final class Allocator { var full = false }
        let allocator = Allocator()
        // Lines past the 64 KiB every event gets without a look at the allocator.
        var grouper = BurstGrouper(limits: CaptureLimits(eventWindowMicroseconds: 1_000_000, maxLineBytes: 100_000,
                                                         maxEventBytes: 100_000),
                                   roomFor: { _ in !allocator.full })
        var events: [String] = []
        func add(_ prefix: String) {
            let text = prefix + String(repeating: "x", count: 70_000 - prefix.utf8.count)
            if byRuns {
                Array((text + "\n").utf8).withUnsafeBytes {
                    grouper.add(lines: $0, at: Timestamp(microseconds: 5)) { events.append(Self.text($0)) }
                }
            } else {
                Self.line(text, at: 5) { grouper.add($0, at: Timestamp(microseconds: 5)) { events.append(Self.text($0)) } }
            }
        }
        add("a")
        allocator.full = true
        for prefix in ["b", "c", "d"] { add(prefix) }
        allocator.full = false
        add("e")
        grouper.flush { events.append(Self.text($0)) }
        #expect(events.map { $0.prefix(1) } == ["a", "[", "e"])
        #expect(events.map(\.utf8.count) == [70_000, BurstGrouper.noRoomText(lines: 3, bytes: 210_000).utf8.count, 70_000])
        #expect(events[1] == BurstGrouper.noRoomText(lines: 3, bytes: 210_000))
        #expect(events[1] == "[agentops-run: 3 lines, 210000 bytes left out: no memory to record them]")
    }

    private static func text(_ burst: BurstGrouper.Burst) -> String { String(decoding: burst.text, as: UTF8.self) }
}

@Suite("Capture budget")
struct CaptureBudgetTests {
    /// Feeds `text` in chunks of `chunk` bytes the way `StreamRecorder` does: line by
    /// line through the head, then raw. Returns (head, omission, tail).
    static func run(_ text: String, limit: Int, chunk: Int = 7) -> ([String], CaptureBudget.Omission?, [String]) {
        var budget = CaptureBudget(limit: limit)
        var splitter = LineSplitter(maxLineBytes: 1 << 16)
        var head: [String] = []
        let bytes = Array(text.utf8)
        var time: Int64 = 0
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            time += 1
            let now = Timestamp(microseconds: time)
            bytes[start..<min(start + chunk, bytes.count)].withUnsafeBytes { raw in
                if budget.inTail {
                    budget.keep(raw, read: now)
                    return
                }
                let taken = splitter.feed(raw, at: now) { line in
                    guard budget.admit(line, read: now) else { return false }
                    head.append(String(decoding: line.bytes, as: UTF8.self))
                    return true
                }
                if taken < raw.count { budget.keep(UnsafeRawBufferPointer(rebasing: raw[taken...]), read: now) }
            }
        }
        splitter.finish { line in
            if budget.admit(line, read: Timestamp(microseconds: time), terminated: false) {
                head.append(String(decoding: line.bytes, as: UTF8.self))
            }
        }
        var omission: CaptureBudget.Omission?
        var tail: [String] = []
        budget.finish(omission: { omission = $0 }, tail: { tail.append(String(decoding: $0.bytes, as: UTF8.self)) })
        return (head, omission, tail)
    }

    static func lines(_ count: Int) -> String { (1...count).map { String(format: "line-%04d\n", $0) }.joined() }

    @Test("head, exact omission, tail of whole lines; every byte accounted for", arguments: [1, 7, 64, 4096])
    func split(chunk: Int) throws {
        let text = Self.lines(100)  // 10 bytes a line
        let (head, omission, tail) = Self.run(text, limit: 200, chunk: chunk)  // head 100, tail 100
        #expect(head == (1...10).map { String(format: "line-%04d", $0) })
        #expect(tail == (91...100).map { String(format: "line-%04d", $0) })
        let gap = try #require(omission)
        #expect(gap.lines == 80 && gap.bytes == 800)
        #expect(gap.from <= gap.to)
    }

    @Test("a stream ending without a newline: its last line counts and is kept")
    func unterminated() throws {
        let (head, omission, tail) = Self.run(Self.lines(50) + "last", limit: 60)
        #expect(head.count == 3 && tail.last == "last")
        let gap = try #require(omission)
        #expect(head.count + gap.lines + tail.count == 51)
        #expect(head.count * 10 + gap.bytes + (tail.count - 1) * 10 + 4 == 504)
    }

    @Test("under the limit nothing is left out; a zero limit keeps nothing and counts everything")
    func edges() {
        let (head, omission, tail) = Self.run("a\nb\n", limit: 100)
        #expect(head == ["a", "b"] && omission == nil && tail.isEmpty)
        let (none, all, noTail) = Self.run("a\nbb\nc", limit: 0)
        #expect(none.isEmpty && noTail.isEmpty && all?.lines == 3 && all?.bytes == 6)
    }

    /// The line at the border between head and tail was counted as left out, even when
    /// the tail had room for it: a 2,052-byte output under a 4 KiB limit lost its last
    /// line (hostile pass, round 10).
    @Test("a stream just over the head keeps every line when the tail can hold the rest", arguments: [1, 7, 4096])
    func borderLineKept(chunk: Int) {
        let long = String(repeating: "a", count: 2045)
        let (head, omission, tail) = Self.run(long + "\nhello\nworld\n", limit: 4096, chunk: chunk)
        #expect(head == [long] && omission == nil && tail == ["hello", "world"])
    }

    @Test("the tail holds at most maxTailLines lines")
    func manyTinyLines() {
        let count = 200_000
        let (head, omission, tail) = Self.run(String(repeating: "y\n", count: count), limit: 300 << 10, chunk: 65536)
        #expect(head.count + (omission?.lines ?? 0) + tail.count == count)
        #expect(tail.count == CaptureBudget.maxTailLines)
    }

    @Test("newlines are counted exactly, 32 bytes at a time and the rest")
    func newlines() {
        for length in [0, 1, 31, 32, 33, 100] {
            let bytes = (0..<length).map { UInt8($0 % 3 == 0 ? 0x0A : 0x41) }
            let expected = bytes.filter { $0 == 0x0A }.count
            #expect(bytes.withUnsafeBytes { CaptureBudget.countNewlines($0) } == expected)
        }
        // Past 255 rounds of 32 bytes the per-byte sums are folded: all newlines fill
        // every lane to the brim, and bytes one bit away from a newline count as none.
        for length in [8160, 8161, 8192, 20_000] {
            let all = [UInt8](repeating: 0x0A, count: length)
            #expect(all.withUnsafeBytes { CaptureBudget.countNewlines($0) } == length)
            let near = (0..<length).map { [0x0B, 0x8A, 0x0E, 0x2A, 0x0A][$0 % 5] as UInt8 }
            #expect(near.withUnsafeBytes { CaptureBudget.countNewlines($0) } == length / 5)
        }
    }
}
