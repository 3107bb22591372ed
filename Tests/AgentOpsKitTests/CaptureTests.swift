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
}

@Suite("Capture budget")
struct CaptureBudgetTests {
    /// Feeds `lines` through a budget; returns (head, omission, tail) as strings.
    static func run(_ lines: [String], limit: Int) -> ([String], CaptureBudget.Omission?, [String]) {
        var budget = CaptureBudget(limit: limit)
        var head: [String] = []
        for (index, text) in lines.enumerated() {
            Array(text.utf8).withUnsafeBytes { raw in
                let line = LineSplitter.Line(bytes: raw, droppedBytes: 0, start: Timestamp(microseconds: Int64(index)))
                if budget.admit(line, read: Timestamp(microseconds: Int64(index))) { head.append(text) }
            }
        }
        var omission: CaptureBudget.Omission?
        var tail: [String] = []
        budget.finish(omission: { omission = $0 }, tail: { tail.append(String(decoding: $0.bytes, as: UTF8.self)) })
        return (head, omission, tail)
    }

    @Test("head, exact omission with its time span, tail")
    func split() {
        let lines = (1...10).map { String(repeating: "x", count: 9) + String($0 % 10) }  // 11 bytes each
        let (head, omission, tail) = Self.run(lines, limit: 66)  // head 33, tail 33
        #expect(head == Array(lines[0..<3]))
        #expect(tail == Array(lines[7..<10]))
        #expect(omission == CaptureBudget.Omission(lines: 4, bytes: 44, from: Timestamp(microseconds: 3),
                                                   to: Timestamp(microseconds: 6)))
    }

    @Test("under the limit nothing is left out; a zero limit keeps nothing")
    func edges() {
        let (head, omission, tail) = Self.run(["a", "b"], limit: 100)
        #expect(head == ["a", "b"] && omission == nil && tail.isEmpty)
        let (none, all, noTail) = Self.run(["a", "b"], limit: 0)
        #expect(none.isEmpty && noTail.isEmpty && all?.lines == 2 && all?.bytes == 4)
    }

    @Test("the tail holds at most maxTailLines lines and stays compact")
    func manyTinyLines() {
        // 300 KiB: 150 KiB of head (76,800 two-byte lines), a tail with room for more
        // lines than the cap.
        let count = 76_800 + CaptureBudget.maxTailLines * 3
        let (head, omission, tail) = Self.run((0..<count).map { _ in "y" }, limit: 300 << 10)
        #expect(head.count + (omission?.lines ?? 0) + tail.count == count)
        #expect(tail.count == CaptureBudget.maxTailLines)
    }
}
