/// The part of a session's output a report keeps: the first `headLines` lines, the
/// last `tailLines`, and stderr lines from between them up to `middleErrorLines`,
/// with exact counts of every line left out. Fed line by line, it holds at most those
/// lines however long the session.
public struct OutputLogWindow: Sendable {
    /// Which stream a line came from.
    public enum Stream: Int, Sendable, CaseIterable {
        /// The command's standard output.
        case stdout = 0
        /// The command's standard error.
        case stderr = 1
        /// agentops-run's own marker (the capture limit left lines out here).
        case marker = 2

        /// The name shown on the page.
        public var name: String {
            switch self {
            case .stdout: return "stdout"
            case .stderr: return "stderr"
            case .marker: return "agentops-run"
            }
        }
    }

    /// One output line.
    public struct Line: Sendable, Equatable {
        /// Milliseconds after the session's start.
        public var milliseconds: Int
        /// Its stream.
        public var stream: Stream
        /// Its text, clipped to the window's `maxLineCharacters`.
        public var text: String
    }

    /// Lines kept from the start.
    public let headLines: Int
    /// Lines kept from the end.
    public let tailLines: Int
    /// Stderr (and marker) lines kept from between head and tail.
    public let middleErrorLines: Int
    /// Characters kept of one line.
    public let maxLineCharacters: Int

    /// The first lines.
    public private(set) var head: [Line] = []
    /// Error lines from the middle, in order.
    public private(set) var middle: [Line] = []
    private var ring: [Line] = []
    private var ringStart = 0
    /// Lines seen, per stream.
    public private(set) var seen: [Stream: Int] = [:]
    /// Lines left out, per stream.
    public private(set) var omitted: [Stream: Int] = [:]
    /// Lines kept but cut to `maxLineCharacters`.
    public private(set) var clipped = 0

    /// A window with these limits.
    public init(headLines: Int = 5_000, tailLines: Int = 5_000, middleErrorLines: Int = 2_000,
                maxLineCharacters: Int = 2_000) {
        self.headLines = headLines
        self.tailLines = tailLines
        self.middleErrorLines = middleErrorLines
        self.maxLineCharacters = maxLineCharacters
    }

    /// The last lines, in order.
    public var tail: [Line] { Array(ring[ringStart...]) }

    /// Lines left out in all.
    public var omittedCount: Int { omitted.values.reduce(0, +) }

    /// Takes the next line.
    public mutating func add(_ line: Line) {
        seen[line.stream, default: 0] += 1
        var line = line
        let scalars = line.text.unicodeScalars
        // A line of no more bytes than the limit cannot have more characters.
        if line.text.utf8.count > maxLineCharacters, scalars.count > maxLineCharacters {
            let kept = String(String.UnicodeScalarView(scalars.prefix(maxLineCharacters)))
            line.text = kept + " [report: \(scalars.count - maxLineCharacters) characters left out]"
            clipped += 1
        }
        if head.count < headLines {
            head.append(line)
            return
        }
        ring.append(line)
        guard ring.count - ringStart > tailLines else { return }
        let evicted = ring[ringStart]
        ringStart += 1
        if evicted.stream != .stdout, middle.count < middleErrorLines {
            middle.append(evicted)
        } else {
            omitted[evicted.stream, default: 0] += 1
        }
        // Drop the evicted prefix now and then, so the ring stays about tailLines long.
        if ringStart >= max(tailLines, 1024) {
            ring.removeFirst(ringStart)
            ringStart = 0
        }
    }
}
