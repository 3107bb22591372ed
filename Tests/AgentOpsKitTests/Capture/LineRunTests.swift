import Testing
@testable import AgentOpsKit

/// The bulk path for runs of whole short lines must record exactly what the line-by-line
/// path records: the same lines, the same events, the same budget. Each test compares
/// the two on generated text cut into chunks of many sizes.
@Suite("Runs of whole lines")
struct LineRunTests {
    /// A fixed-seed generator, so a failure can be reproduced.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(max(bound, 1)))
        }
    }

    /// Text of lines of random lengths (mostly short, some over `long`), some empty,
    /// with or without a last newline.
    static func text(_ generator: inout Generator, lines: Int, long: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<lines {
            let length = generator.next(10) == 0 ? long + generator.next(long) : generator.next(12)
            bytes += (0..<length).map { _ in UInt8(ascii: "a") + UInt8(generator.next(26)) }
            bytes.append(0x0A)
        }
        if generator.next(2) == 0 { bytes += Array("unfinished".utf8) }
        return bytes
    }

    /// Cuts `bytes` into chunks of random sizes up to `maxChunk`.
    static func chunks(_ bytes: [UInt8], _ generator: inout Generator, maxChunk: Int) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + 1 + generator.next(maxChunk))
            result.append(bytes[start..<end])
            start = end
        }
        return result
    }

    struct Seen: Equatable {
        var text: [UInt8]
        var dropped: Int
    }

    @Test("a run hands over the same lines as the line-by-line feed", arguments: [1, 5, 64, 4096])
    func sameLines(maxChunk: Int) {
        var generator = Generator(state: 0x2545_F491_4F6C_DD1D &+ UInt64(maxChunk))
        for _ in 0..<20 {
            let bytes = Self.text(&generator, lines: 200, long: 20)
            let chunks = Self.chunks(bytes, &generator, maxChunk: maxChunk)
            var byLine = LineSplitter(maxLineBytes: 30)
            var byRun = LineSplitter(maxLineBytes: 30)
            var expected: [Seen] = []
            var got: [Seen] = []
            var runs = 0
            for chunk in chunks {
                chunk.withUnsafeBytes { raw in
                    byLine.feed(raw, at: Timestamp(microseconds: 0)) {
                        expected.append(Seen(text: Array($0.bytes), dropped: $0.droppedBytes))
                    }
                    let taken = byRun.feed(raw, at: Timestamp(microseconds: 0), runLimit: 20, lines: { run in
                        runs += 1
                        #expect(run.last == 0x0A)
                        for line in run.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
                            #expect(line.count <= 20)
                            got.append(Seen(text: Array(line), dropped: 0))
                        }
                        return (run.count, true)
                    }, until: { got.append(Seen(text: Array($0.bytes), dropped: $0.droppedBytes)); return true })
                    #expect(taken == raw.count)
                }
            }
            byLine.finish { expected.append(Seen(text: Array($0.bytes), dropped: $0.droppedBytes)) }
            byRun.finish { got.append(Seen(text: Array($0.bytes), dropped: $0.droppedBytes)) }
            #expect(got == expected)
            if maxChunk >= 64 { #expect(runs > 0) }
        }
    }

    @Test("a run stops where its taker stops, and the feed says how far it got")
    func stopping() {
        var splitter = LineSplitter(maxLineBytes: 100)
        let bytes = Array("ab\ncd\nef\ngh".utf8)
        let taken = bytes.withUnsafeBytes { raw in
            splitter.feed(raw, at: Timestamp(microseconds: 0), runLimit: 100, lines: { run in
                #expect(run.count == 9)
                return (3, true)
            }, until: { _ in true })
        }
        #expect(taken == 3)
        // All of a run taken, but no going on: the unfinished line after it stays in the
        // chunk, not in the splitter (it came out at the stream's end, out of place).
        var whole = LineSplitter(maxLineBytes: 100)
        var held: [String] = []
        let all = bytes.withUnsafeBytes { raw in
            whole.feed(raw, at: Timestamp(microseconds: 0), runLimit: 100, lines: { run in (run.count, false) },
                       until: { _ in true })
        }
        #expect(all == 9)
        whole.finish { held.append(String(decoding: $0.bytes, as: UTF8.self)) }
        #expect(held.isEmpty)
    }

    @Test("whole lines: the longest start of lines within the limit")
    func wholeLines() {
        func run(_ text: String, limit: Int) -> Int {
            Array(text.utf8).withUnsafeBytes { LineSplitter.wholeLines($0.baseAddress!, count: $0.count, limit: limit) }
        }
        #expect(run("ab\ncd\nef", limit: 2) == 6)
        #expect(run("ab\ncde\nf\n", limit: 2) == 3)
        #expect(run("abc\n", limit: 2) == 0)
        #expect(run("\n\n\n", limit: 0) == 3)
        #expect(run("no newline", limit: 100) == 0)
        #expect(run(String(repeating: "12345678\n", count: 1000) + "x", limit: 8) == 9000)
        let longAfterShort = String(repeating: "1234567\n", count: 10) + String(repeating: "z", count: 50) + "\n"
        #expect(run(longAfterShort, limit: 8) == 80)
    }

    @Test("the budget admits the same lines in a run as one by one", arguments: [0, 1, 10, 99, 100, 101, 250])
    func budget(limit: Int) {
        let lines = (0..<40).map { String(repeating: "x", count: $0 % 7) }
        var one = CaptureBudget(limit: limit)
        var admitted = 0
        for line in lines {
            let fits = Array(line.utf8).withUnsafeBytes {
                one.admit(LineSplitter.Line(bytes: $0, droppedBytes: 0, start: Timestamp(microseconds: 0)),
                          read: Timestamp(microseconds: 0))
            }
            if !fits { break }
            admitted += line.utf8.count + 1
        }
        var bulk = CaptureBudget(limit: limit)
        let run = Array(lines.map { $0 + "\n" }.joined().utf8)
        #expect(run.withUnsafeBytes { bulk.admit(lines: $0) } == admitted)
    }

    @Test("a run makes the same events as its lines one by one", arguments: [1, 2, 7, 16, 100, 1000])
    func sameEvents(maxEventBytes: Int) {
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15 &+ UInt64(maxEventBytes))
        for window in [Int64(0), 50] {
            let limits = CaptureLimits(eventWindowMicroseconds: window, maxLineBytes: 1000,
                                       maxEventBytes: maxEventBytes)
            var byLine = BurstGrouper(limits: limits)
            var byRun = BurstGrouper(limits: limits)
            var expected: [BurstGrouper.Burst] = []
            var got: [BurstGrouper.Burst] = []
            for step in 0..<60 {
                let time = Timestamp(microseconds: Int64(step * 20))
                let lines = (0..<generator.next(8)).map { _ in
                    (0..<generator.next(6)).map { _ in UInt8(ascii: "a") + UInt8(generator.next(26)) }
                }
                for line in lines {
                    line.withUnsafeBytes {
                        let line = LineSplitter.Line(bytes: $0, droppedBytes: 0, start: time)
                        byLine.add(line, at: time) { expected.append($0) }
                    }
                }
                let run: [UInt8] = Array(lines.map { $0 + [0x0A] }.joined())
                run.withUnsafeBytes { byRun.add(lines: $0, at: time) { got.append($0) } }
            }
            byLine.flush { expected.append($0) }
            byRun.flush { got.append($0) }
            #expect(got == expected)
            #expect(got.allSatisfy { $0.text.count <= maxEventBytes || $0.lineCount == 1 })
        }
    }

    /// A budget past its head, fed `chunks` raw (read 20 µs apart), every other one
    /// through `keepInPlace` when `inPlace`, after a first line of `limit` bytes at
    /// `streamOffset` in the stream.
    static func tailBudget(_ chunks: [ArraySlice<UInt8>], limit: Int, inPlace: Bool,
                           streamOffset: Int = 0) -> CaptureBudget {
        var budget = CaptureBudget(limit: limit, maxLineBytes: 30)
        // A line longer than the head: it begins the tail, at `streamOffset`.
        let first = [UInt8](repeating: 0x41, count: limit)
        _ = first.withUnsafeBytes {
            budget.admit(LineSplitter.Line(bytes: $0, droppedBytes: 0, start: Timestamp(microseconds: 0)),
                         read: Timestamp(microseconds: 0), streamOffset: streamOffset)
        }
        var position = streamOffset + limit + 1
        for (index, chunk) in chunks.enumerated() {
            let time = Timestamp(microseconds: Int64(index * 20))
            guard inPlace, index % 2 == 0, budget.readsInPlace else {
                chunk.withUnsafeBytes { budget.keep($0, read: time, streamOffset: position) }
                position += chunk.count
                continue
            }
            // Where the ring wraps, a read is short: what is left goes in the next one.
            var rest = chunk[...]
            while !rest.isEmpty {
                let read = budget.keepInPlace(upTo: rest.count, streamOffset: position) { [position] target in
                    // Each byte lands at its stream offset within a page, as the pipe has it.
                    #expect(Int(bitPattern: target.baseAddress) % CaptureRing.pageBytes == position % CaptureRing.pageBytes)
                    let count = min(target.count, rest.count)
                    rest.prefix(count).withUnsafeBytes { target.copyMemory(from: $0) }
                    return (count, time)
                }
                rest = rest.dropFirst(read.count)
                position += read.count
            }
        }
        return budget
    }

    /// The lines and the omission a budget's `finish` gives.
    static func finished(_ budget: CaptureBudget) -> ([[UInt8]], CaptureBudget.Omission?) {
        var lines: [[UInt8]] = []
        var omission: CaptureBudget.Omission?
        budget.finish(omission: { omission = $0 }, tail: { lines.append(Array($0.bytes)) })
        return (lines, omission)
    }

    @Test("the tail is the same wherever its ring starts, read in place at the stream's offset within a page",
          arguments: [0, 1, 4095, 4096 * 3 + 7])
    func tailRingPlacement(streamOffset: Int) {
        var generator = Generator(state: 0xBB67_AE85_84CA_A73B)
        let bytes = Self.text(&generator, lines: 3000, long: 30)
        let chunks = Self.chunks(bytes, &generator, maxChunk: 700)
        // 2,000 bytes of tail, in a ring of one page, wrapped several times.
        let expected = Self.finished(Self.tailBudget(chunks, limit: 4000, inPlace: false))
        #expect(expected.0.count > 100 && expected.1 != nil)
        let budget = Self.tailBudget(chunks, limit: 4000, inPlace: true, streamOffset: streamOffset)
        #expect(Self.finished(budget) == expected)
        // A copy that goes on keeping has a ring of its own.
        var copy = budget
        Array("more\nand more\n".utf8).withUnsafeBytes { copy.keep($0, read: Timestamp(microseconds: 1)) }
        #expect(Self.finished(budget) == expected)
        #expect(Self.finished(copy).0.suffix(2) == [Array("more".utf8), Array("and more".utf8)])
    }

    @Test("the tail's runs make the same events as its lines one by one, read in place or copied",
          arguments: [1, 9, 64, 700])
    func tailRuns(maxChunk: Int) {
        var generator = Generator(state: 0x6A09_E667_F3BC_C908 &+ UInt64(maxChunk))
        let limits = CaptureLimits(eventWindowMicroseconds: 50, maxLineBytes: 30, maxEventBytes: 100)
        for limit in [0, 1, 600, 4000] {
            let bytes = Self.text(&generator, lines: 400, long: 30)
            let chunks = Self.chunks(bytes, &generator, maxChunk: maxChunk)
            var results: [[BurstGrouper.Burst]] = []
            var omissions: [CaptureBudget.Omission?] = []
            for (inPlace, byRuns) in [(false, false), (false, true), (true, true)] {
                let budget = Self.tailBudget(chunks, limit: limit, inPlace: inPlace)
                var grouper = BurstGrouper(limits: limits)
                var events: [BurstGrouper.Burst] = []
                var omission: CaptureBudget.Omission?
                budget.finish(omission: { omission = $0 }, runs: byRuns ? { run, read in
                    #expect(run.last == 0x0A)
                    grouper.add(lines: run, at: read) { events.append($0) }
                } : nil, tail: { line in
                    grouper.add(LineSplitter.Line(bytes: line.bytes, droppedBytes: line.droppedBytes, start: line.read),
                                at: line.read) { events.append($0) }
                })
                grouper.flush { events.append($0) }
                results.append(events)
                omissions.append(omission)
            }
            #expect(results[1] == results[0])
            #expect(results[2] == results[0])
            #expect(omissions[1] == omissions[0] && omissions[2] == omissions[0])
            if limit >= 600 { #expect(!results[0].isEmpty) }
        }
    }

    @Test("the offset past the nth newline")
    func offsetAfterNewlines() {
        let bytes = Array((String(repeating: "ab\n", count: 3000) + "tail").utf8)
        bytes.withUnsafeBytes { raw in
            #expect(CaptureBudget.offset(afterNewlines: 0, in: raw) == 0)
            #expect(CaptureBudget.offset(afterNewlines: 1, in: raw) == 3)
            #expect(CaptureBudget.offset(afterNewlines: 1365, in: raw) == 4095)
            #expect(CaptureBudget.offset(afterNewlines: 1366, in: raw) == 4098)
            #expect(CaptureBudget.offset(afterNewlines: 3000, in: raw) == 9000)
        }
    }
}
